"""Stage 5's examples do what its README says they do."""

import runpy
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from tests.examples.support import example_path, load_example

STAGE = "05_dependency_injection"


def test_search_terms_is_solved_validated_and_documented() -> None:
    app = load_example(STAGE, "search_terms.py").app
    client = TestClient(app)
    assert client.get("/search", params={"q": "Brass Lantern"}).json() == {
        "terms": ["brass", "lantern"]
    }
    assert client.get("/search").json() == {"terms": []}
    assert client.get("/search", params={"q": "x" * 1000}).status_code == 422
    parameters = app.openapi()["paths"]["/search"]["get"]["parameters"]
    assert [parameter["name"] for parameter in parameters] == ["q"]


def test_repository_dep_hands_the_route_the_one_repository() -> None:
    example = load_example(STAGE, "repository_dep.py")
    example.get_repository().products[7] = "Lamp"
    client = TestClient(example.app)
    assert client.get("/products/7").json() == {"name": "Lamp"}
    # The alias can be overridden like the function inside it.
    other = example.Repository()
    other.products[7] = "Kettle"
    example.app.dependency_overrides[example.get_repository] = lambda: other
    assert client.get("/products/7").json() == {"name": "Kettle"}


def test_override_greeting_swaps_and_clears() -> None:
    example = load_example(STAGE, "override_greeting.py")
    example.test_the_greeting_can_be_swapped()
    assert example.app.dependency_overrides == {}
    assert TestClient(example.app).get("/").json() == {"message": "Hello"}


def test_settings_read_the_environment_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(example_path(STAGE, "settings.py").parent)  # no stray .env
    monkeypatch.setenv("APP_NAME", "Corner Shop")
    monkeypatch.setenv("SECRET_KEY", "s3cret-value")
    monkeypatch.setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "45")
    example = load_example(STAGE, "settings.py")
    settings = example.get_settings()
    assert settings.app_name == "Corner Shop"
    assert settings.access_token_expire_minutes == 45
    assert "s3cret-value" not in repr(settings)
    assert str(settings.secret_key) == "**********"
    monkeypatch.setenv("APP_NAME", "Another Shop")
    assert example.get_settings() is settings  # lru_cache: read once
    monkeypatch.setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "abc")
    with pytest.raises(ValueError, match="access_token_expire_minutes"):
        example.Settings()
    monkeypatch.setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "45")
    runpy.run_path(str(example_path(STAGE, "settings.py")), run_name="__main__")
    assert capsys.readouterr().out.splitlines() == ["**********", "s3cret-value"]


def test_yield_dependency_commits_or_rolls_back(capsys: pytest.CaptureFixture[str]) -> None:
    get_unit_of_work = load_example(STAGE, "yield_dependency.py").get_unit_of_work
    success = get_unit_of_work()
    next(success)
    with pytest.raises(StopIteration):
        next(success)
    failure = get_unit_of_work()
    next(failure)
    with pytest.raises(LookupError):  # raised again, for FastAPI to answer
        failure.throw(LookupError("no such product"))
    assert capsys.readouterr().out.splitlines() == [
        "before the route: begin",
        "the route returned: commit",
        "before the route: begin",
        "the route raised: roll back",
    ]


def test_write_routes_are_all_or_nothing() -> None:
    example = load_example(STAGE, "write_routes.py")
    client = TestClient(example.app)
    refused = client.delete("/notes", params={"ids": "1,9"})
    assert refused.status_code == 404
    assert refused.json() == {"detail": "Note not found"}
    assert example.notes == {1: "buy milk", 2: "call Ada"}  # note 1 came back
    assert client.delete("/notes", params={"ids": "1,2"}).status_code == 204
    assert example.notes == {}


def test_shared_repository_is_one_object_per_request() -> None:
    example = load_example(STAGE, "shared_repository.py")
    client = TestClient(example.app)
    assert client.post("/writes").json() == {"savepoints_taken": 1}
    assert client.post("/writes").json() == {"savepoints_taken": 1}  # a new one per request


def test_paginator_counts_everything_and_answers_one_page() -> None:
    client = TestClient(load_example(STAGE, "paginator.py").app)
    response = client.get("/numbers")
    assert response.json() == list(range(21, 31))
    assert response.headers["x-total-count"] == "100"


def test_shared_repository_needs_the_cache() -> None:
    """What the README says: a direct call in the unit of work, or use_cache=False
    where the route asks, gives the route another repository (it answers 0)."""
    example = load_example(STAGE, "shared_repository.py")
    fresh = Annotated[example.Repository, Depends(example.get_repository, use_cache=False)]

    def direct_unit_of_work() -> Iterator[None]:
        example.get_repository().savepoint()
        yield

    def route_taking(dependency: Any) -> Callable[..., dict[str, int]]:
        def write(repository: dependency) -> dict[str, int]:
            return {"savepoints_taken": repository.savepoints_taken}

        return write

    for unit_of_work, repository in [
        (direct_unit_of_work, example.RepositoryDep),
        (example.get_unit_of_work, fresh),
    ]:
        app = FastAPI()
        app.post("/writes", dependencies=[Depends(unit_of_work)])(route_taking(repository))
        assert TestClient(app).post("/writes").json() == {"savepoints_taken": 0}
