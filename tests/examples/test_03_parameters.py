"""Stage 3's README examples, each imported and driven the way the lesson says
it behaves, and the lesson's claims about FastAPI that have no example file."""

from typing import Annotated

import pytest
from fastapi import FastAPI, Path, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel

from tests.examples.support import load_example

STAGE = "03_parameters"


def client_of(name: str) -> TestClient:
    return TestClient(load_example(STAGE, name).app)


def locs(response) -> list[list[str]]:
    assert response.status_code == 422, response.text
    return [error["loc"] for error in response.json()["detail"]]


def test_each_parameter_comes_from_where_the_table_says() -> None:
    client = client_of("parameter_sources.py")
    response = client.put(
        "/orders/5/note",
        params={"notify": "true"},
        json={"text": "ring twice"},
        headers={"user-agent": "curl/8"},
    )
    assert response.json() == {
        "order_id": 5,
        "text": "ring twice",
        "notify": True,
        "agent": "curl/8",
    }
    bad = client.put("/orders/x/note", params={"notify": "maybe"}, json={})
    assert locs(bad) == [["path", "order_id"], ["query", "notify"], ["body", "text"]]


@pytest.mark.parametrize(
    ("sent", "read"),
    [("true", True), ("t", True), ("1", True), ("YES", True), ("y", True), ("on", True),
     ("false", False), ("f", False), ("0", False), ("no", False), ("N", False), ("off", False)],
)  # fmt: skip
def test_a_bool_query_parameter_reads_these_words(sent: str, read: bool) -> None:
    client = client_of("parameter_sources.py")
    response = client.put("/orders/1/note", params={"notify": sent}, json={"text": "x"})
    assert response.json()["notify"] is read


def test_a_bool_query_parameter_refuses_other_words() -> None:
    client = client_of("parameter_sources.py")
    response = client.put("/orders/1/note", params={"notify": "2"}, json={"text": "x"})
    assert locs(response) == [["query", "notify"]]


def test_a_bounded_path_parameter_refuses_zero_and_shows_its_minimum() -> None:
    client = client_of("path_bounds.py")
    assert client.get("/orders/1").json() == {"order_id": 1}
    assert locs(client.get("/orders/0")) == [["path", "order_id"]]
    assert locs(client.delete("/orders/-7")) == [["path", "order_id"]]
    parameter = client.get("/openapi.json").json()["paths"]["/orders/{order_id}"]["get"][
        "parameters"
    ][0]
    assert parameter["schema"]["minimum"] == 1


def test_a_path_parameter_with_a_default_fails_at_import() -> None:
    app = FastAPI()
    with pytest.raises(AssertionError, match="Path parameters cannot have default values"):

        @app.get("/orders/{order_id}")
        def read_order(order_id: Annotated[int, Path(ge=1)] = 5) -> int:
            return order_id


def test_an_enum_accepts_its_values_only() -> None:
    client = client_of("enum_parameter.py")
    assert client.get("/sizes/large").json() == {
        "size": "large",
        "shout": "LARGE",
        "is_large": "True",
    }
    for wrong in ("huge", "Medium"):
        error = client.get(f"/sizes/{wrong}").json()["detail"][0]
        assert error["type"] == "enum"
        assert "'small', 'medium' or 'large'" in error["msg"]
    assert "Size" in client.get("/openapi.json").json()["components"]["schemas"]


def test_query_defaults_bounds_and_a_required_parameter() -> None:
    client = client_of("query_parameters.py")
    assert client.get("/orders").json() == {"limit": 20, "offset": 0, "status": None}
    assert client.get("/orders", params={"limit": 100}).status_code == 200
    for limit in (0, 101):
        assert locs(client.get("/orders", params={"limit": limit})) == [["query", "limit"]]
    assert locs(client.get("/search")) == [["query", "q"]]
    assert client.get("/search", params={"q": "lamp"}).json() == {"q": "lamp"}


def test_a_repeated_query_parameter_arrives_as_a_list() -> None:
    client = client_of("query_list.py")
    assert client.get("/posts", params={"tag": ["red", "blue"]}).json() == {"tag": ["red", "blue"]}
    assert client.get("/posts").json() == {"tag": []}


def test_a_list_without_query_is_read_from_the_body() -> None:
    app = FastAPI()

    @app.get("/posts")
    def list_posts(tag: list[str] | None = None) -> dict[str, list[str]]:
        return {"tag": tag or []}

    client = TestClient(app)
    assert client.get("/posts", params={"tag": ["red"]}).json() == {"tag": []}
    assert "requestBody" in client.get("/openapi.json").json()["paths"]["/posts"]["get"]


def test_a_query_model_refuses_unknown_parameters_and_checks_across_fields() -> None:
    client = client_of("query_model.py")
    answer = client.get("/orders", params={"limit": 5, "status": ["paid", "sent"]}).json()
    assert answer["limit"] == 5
    assert answer["status"] == ["paid", "sent"]
    unknown = client.get("/orders", params={"max_totl": 10}).json()["detail"][0]
    assert (unknown["type"], unknown["loc"]) == ("extra_forbidden", ["query", "max_totl"])
    assert locs(client.get("/orders", params={"min_total": 30, "max_total": 10})) == [["query"]]
    documented = client.get("/openapi.json").json()["paths"]["/orders"]["get"]
    assert len(documented["parameters"]) == 5
    assert "requestBody" not in documented


def test_a_query_model_beside_another_parameter_refuses_requests_that_send_it() -> None:
    example = load_example(STAGE, "query_model.py")
    app = FastAPI()

    @app.get("/orders")
    def list_orders(filters: Annotated[example.OrderFilter, Query()], sort: str = "id") -> str:
        return sort

    client = TestClient(app)
    assert client.get("/orders").status_code == 200
    assert client.get("/orders", params={"sort": "total"}).status_code == 422


def test_path_query_and_an_embedded_body_in_one_operation() -> None:
    client = client_of("path_query_body.py")
    answer = client.patch("/orders/3/discount", params={"dry_run": "true"}, json={"percent": 15})
    assert answer.json() == {"order_id": 3, "percent": 15, "stored": False}
    assert locs(client.patch("/orders/3/discount", json=15)) == [["body", "percent"]]
    assert locs(client.patch("/orders/3/discount", json={"percent": 91})) == [["body", "percent"]]


def test_model_copy_applies_the_update_without_validating_it() -> None:
    class Product(BaseModel):
        price: float

    assert Product(price=1).model_copy(update={"price": -5}).price == -5


def test_a_header_is_matched_whatever_its_case() -> None:
    client = client_of("headers.py")
    for name in ("User-Agent", "user-agent", "USER-AGENT"):
        answer = client.get("/whoami", headers={name: "probe/1", "x-request-id": "r1"}).json()
        assert answer == {"agent": "probe/1", "request_id": "r1"}
    assert locs(client.get("/whoami", headers={"X-Request-ID": "r" * 65})) == [
        ["header", "x-request-id"]
    ]
