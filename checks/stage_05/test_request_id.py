"""Stage 5: a dependency of the whole app echoes an X-Request-ID on every route."""

import pytest

from checks.stage_05.shop import create_product, find, new_product, sent, show
from checks.support import body_of, expect, expect_status, fail


def _require_request_id():
    """To do while get_request_id is still the TODO stub."""
    find("get_request_id")(None)


def _expect_echo(response, request_id):
    got = response.headers.get("X-Request-ID")
    expect(
        got == request_id,
        f"{sent(response)} was sent X-Request-ID: {request_id} and answered "
        + (f"X-Request-ID: {got}" if got else "without an X-Request-ID header")
        + ": is echo_request_id given to the whole app, FastAPI(dependencies=[…])?",
        expected=f"header x-request-id: {request_id}",
        response=response,
    )


@pytest.mark.req("5.7")
def test_the_clients_request_id_comes_back(client, data):
    """Every route answers the X-Request-ID the client sent, 201 and 204 included."""
    _require_request_id()
    product = create_product(client, data)
    requests = [
        ("GET", "/", {}),
        ("GET", "/health", {}),
        ("GET", "/products", {}),
        ("GET", f"/products/{product['id']}", {}),
        ("POST", "/products", {"json": new_product(data)}),
        ("DELETE", f"/products/{product['id']}", {}),
    ]
    for method, path, arguments in requests:
        request_id = data.choice(["req", "trace", "r"]) + "-" + data.token(data.integer(6, 30))
        response = client.request(method, path, headers={"X-Request-ID": request_id}, **arguments)
        expect(
            response.status_code < 400,
            f"{sent(response)} failed",
            expected="a success",
            response=response,
        )
        _expect_echo(response, request_id)


@pytest.mark.req("5.7")
def test_a_request_without_an_id_gets_a_new_one(client, data):
    """Without X-Request-ID, each response carries a new, different one."""
    _require_request_id()
    seen = []
    for method, path, arguments in [
        ("GET", "/health", {}),
        ("GET", "/health", {}),
        ("POST", "/products", {"json": new_product(data)}),
        ("GET", "/users", {}),
    ]:
        response = client.request(method, path, **arguments)
        expect(
            response.status_code < 400,
            f"{sent(response)} failed",
            expected="a success",
            response=response,
        )
        request_id = response.headers.get("X-Request-ID")
        expect(
            request_id,
            f"{sent(response)} (sent without X-Request-ID) answered without one: "
            "get_request_id should make up a new id, e.g. uuid4().hex",
            expected="header x-request-id: <a new id>",
            response=response,
        )
        expect(
            request_id not in seen,
            f"{sent(response)} answered X-Request-ID: {request_id}, the id of an earlier "
            "request: each request needs an id of its own",
            expected="a new id for each request",
            response=response,
        )
        seen.append(request_id)


@pytest.mark.req("5.7")
def test_a_malformed_request_id_is_refused(client, data):
    """An X-Request-ID over 64 characters, or with other characters, answers 422."""
    _require_request_id()
    for bad in [
        "x" * data.integer(65, 200),
        f"bad id {data.token(4)}",
        f"{data.token(4)};drop",
        f"{data.token(3)}/{data.token(3)}",
    ]:
        response = client.get("/health", headers={"X-Request-ID": bad})
        errors = body_of(response).get("detail") if response.status_code == 422 else None
        expect(
            isinstance(errors, list)
            and any(error.get("loc") == ["header", "x-request-id"] for error in errors),
            f"{sent(response)} with X-Request-ID: {bad[:70]} should answer 422: an id is 1–64 "
            'letters, digits, ".", "_" or "-" (bound it in Header(…))',
            expected='status 422 and {"detail": [{"loc": ["header", "x-request-id"], …}]}',
            response=response,
        )


@pytest.mark.req("5.7")
def test_every_operation_documents_the_header(client):
    """Every operation in /openapi.json lists the x-request-id header parameter."""
    _require_request_id()
    response = client.get("/openapi.json")
    expect_status(response, 200)
    operations = {
        f"{method.upper()} {path}": operation
        for path, item in body_of(response).get("paths", {}).items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    }
    missing = [
        name
        for name, operation in operations.items()
        if not any(
            parameter.get("in") == "header" and parameter.get("name", "").lower() == "x-request-id"
            for parameter in operation.get("parameters", [])
        )
    ]
    if missing:
        fail(
            f"{len(missing)} of {len(operations)} operations do not list the X-Request-ID "
            f"header (e.g. {', '.join(missing[:3])}): a header read by a dependency of the "
            "whole app shows on every operation, one read in a middleware does not",
            expected='{"name": "x-request-id", "in": "header", …} in every operation',
            response=response,
            got=show(missing[:8]),
        )
