"""Stage 1's README examples, each imported and driven the way the lesson says
it behaves."""

from __future__ import annotations

import pytest
from fastapi.exceptions import ResponseValidationError
from fastapi.testclient import TestClient

from tests.examples.support import load_example

STAGE = "01_app_setup_routing"


def client_of(name: str, **options: bool) -> TestClient:
    return TestClient(load_example(STAGE, name).app, **options)


def test_the_metadata_ends_up_in_the_schema_and_the_docs() -> None:
    client = client_of("first_app.py")
    info = client.get("/openapi.json").json()["info"]
    assert info["title"] == "Shop API"
    assert info["version"] == "1.0.0"
    assert info["description"].startswith("Markdown is allowed")
    assert "<title>Shop API - Swagger UI</title>" in client.get("/docs").text


def test_a_bare_app_is_called_fastapi_at_version_0_1_0() -> None:
    client = client_of("path_operations.py")
    info = client.get("/openapi.json").json()["info"]
    assert (info["title"], info["version"]) == ("FastAPI", "0.1.0")


def test_the_decorator_and_add_api_route_register_the_same_thing() -> None:
    client = client_of("path_operations.py")
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/health-again").json() == {"status": "ok"}
    operation = client.get("/openapi.json").json()["paths"]["/health"]["get"]
    assert operation["summary"] == "Read Health"
    assert operation["operationId"].startswith("read_health")
    assert operation["description"].startswith("Liveness probe")


def test_a_method_without_a_route_answers_405_with_allow() -> None:
    response = client_of("path_operations.py").post("/health")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_the_return_type_shapes_the_schema_and_guards_the_response() -> None:
    client = client_of("response_models.py")
    assert client.get("/health").json() == {"status": "ok"}
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["Health"]["properties"] == {"status": {"title": "Status", "type": "string"}}
    with pytest.raises(ResponseValidationError):
        client.get("/broken-health")


def test_a_path_parameter_is_converted_or_refused_with_422() -> None:
    client = client_of("path_parameters.py")
    assert client.get("/users/42").json() == {"user_id": 42}
    response = client.get("/users/abc")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "user_id"]


def test_a_fixed_path_after_a_pattern_is_never_reached() -> None:
    client = client_of("route_order.py")
    assert client.get("/users/me").status_code == 422
    assert client.get("/users/7").json() == {"user_id": 7}


def test_create_read_and_delete_answer_201_404_and_204() -> None:
    client = client_of("status_codes.py")
    created = client.post("/notes", params={"text": "buy milk"})
    assert created.status_code == 201
    note = created.json()
    assert created.headers["location"] == f"/notes/{note['id']}"
    assert client.get(created.headers["location"]).json() == note
    deleted = client.delete(f"/notes/{note['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    missing = client.get(f"/notes/{note['id']}")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Note not found"})
    assert client.delete(f"/notes/{note['id']}").status_code == 404


def test_the_cheat_sheet_app_answers_as_its_comments_say() -> None:
    client = client_of("cheat_sheet.py", follow_redirects=False)
    assert client.get("/things").json() == []
    assert client.get("/things/1").json() == {"id": 1}
    assert client.get("/things/2").status_code == 404
    created = client.post("/things", params={"name": "lamp"})
    assert (created.status_code, created.headers["location"]) == (201, "/things/1")
    deleted = client.delete("/things/1")
    assert (deleted.status_code, deleted.content) == (204, b"")
    schema = client.get("/openapi.json").json()
    assert {op["tags"][0] for item in schema["paths"].values() for op in item.values()} == {
        "things"
    }
    # The trailing slash: FastAPI redirects to the path as declared.
    redirect = client.get("/things/")
    assert (redirect.status_code, redirect.headers["location"]) == (307, "http://testserver/things")
