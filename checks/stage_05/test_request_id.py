"""Stage 5: a middleware gives every response an X-Request-ID, whatever answered it."""

import re

import pytest
from fastapi import FastAPI, Request

from checks.stage_05.shop import create_product, find, new_product
from checks.support import expect, expect_status
from checks.support.answers import sent
from checks.support.probes import run_middleware

# What the solution's own ids look like is not promised: any 1–64 harmless characters.
VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _require_request_id():
    """To do while RequestIdMiddleware is still the TODO stub: run it once, on
    its own, around an app that answers 204."""
    run_middleware(find("RequestIdMiddleware", kind="class"))


def _new_id(data):
    return data.choice(["req", "trace", "r"]) + "-" + data.token(data.integer(6, 30))


def _expect_echo(response, request_id, what="the response"):
    got = response.headers.get("X-Request-ID")
    expect(
        got == request_id,
        f"{sent(response)} was sent X-Request-ID: {request_id} and {what} "
        f"({response.status_code}) came "
        + (f"with X-Request-ID: {got}" if got else "without an X-Request-ID header")
        + ": is RequestIdMiddleware added with app.add_middleware(…), and does it add the "
        "header to the http.response.start message of every response?",
        expected=f"header x-request-id: {request_id}",
        response=response,
    )


def _expect_a_new_id(response, seen):
    request_id = response.headers.get("X-Request-ID")
    expect(
        request_id and VALID_ID.fullmatch(request_id),
        f"{sent(response)} (sent without a valid X-Request-ID) answered "
        + (f"X-Request-ID: {request_id}" if request_id else "without one")
        + ": the middleware should make up a new id, e.g. uuid4().hex",
        expected="header x-request-id: <a new id>",
        response=response,
    )
    expect(
        request_id not in seen,
        f"{sent(response)} answered X-Request-ID: {request_id}, the id of an earlier "
        "request: each request needs an id of its own (made when the request comes, "
        "not once when the app starts)",
        expected="a new id for each request",
        response=response,
    )
    seen.append(request_id)


def _add_probes(app: FastAPI):
    """Two routes of the check's own: one fails, one shows request.state.request_id."""

    def fail_on_purpose():
        raise RuntimeError("a bug in a route (raised on purpose by the check)")

    async def show_state(request: Request):
        return {"request_id": getattr(request.state, "request_id", None)}

    app.add_api_route("/_check/fails", fail_on_purpose)
    app.add_api_route("/_check/state", show_state)


@pytest.mark.req("5.7")
def test_the_clients_request_id_comes_back(client, data):
    """Every response answers the X-Request-ID the client sent: successes, 404s, 422s."""
    _require_request_id()
    product = create_product(client, data)
    missing = data.integer(10_000, 99_999)
    requests = [
        ("GET", "/", {}, 200),
        ("GET", "/health", {}, 200),
        ("GET", "/products", {}, 200),
        ("GET", f"/products/{product['id']}", {}, 200),
        ("POST", "/products", {"json": new_product(data)}, 201),
        ("DELETE", f"/products/{product['id']}", {}, 204),
        ("GET", f"/products/{missing}", {}, 404),
        ("POST", "/products", {"json": {"name": data.product_name()}}, 422),
        ("GET", f"/products/{data.token(5)}", {}, 422),
        ("GET", f"/no-such-page-{data.token(6)}", {}, 404),
    ]
    for method, path, arguments, status in requests:
        request_id = _new_id(data)
        # Header names are case-insensitive: the client may spell it any way.
        name = data.choice(["X-Request-ID", "x-request-id", "X-REQUEST-ID", "x-Request-Id"])
        response = client.request(method, path, headers={name: request_id}, **arguments)
        expect_status(response, status, f"{method} {path} should answer {status}")
        _expect_echo(response, request_id)


@pytest.mark.req("5.7")
def test_a_500_carries_the_id_too(app, lenient_client, data):
    """When a route raises, the 500 the client gets still carries the X-Request-ID."""
    _require_request_id()
    _add_probes(app)
    request_id = _new_id(data)
    response = lenient_client.get("/_check/fails", headers={"X-Request-ID": request_id})
    expect_status(response, 500, "a route that raises answers 500")
    _expect_echo(
        response,
        request_id,
        "the 500 (the app raised before it answered: the middleware must send that "
        "500 itself, with the header, then raise the error again)",
    )
    seen: list[str] = []
    _expect_a_new_id(lenient_client.get("/_check/fails"), seen)


@pytest.mark.req("5.7")
def test_the_route_reads_the_id_from_request_state(app, client, data):
    """request.state.request_id holds the id that the response carries."""
    _require_request_id()
    _add_probes(app)
    for headers in ({"X-Request-ID": _new_id(data)}, {}):
        response = client.get("/_check/state", headers=headers)
        expect_status(response, 200)
        echoed = response.headers.get("X-Request-ID")
        stored = response.json().get("request_id")
        expect(
            stored is not None and stored == echoed,
            f"a route read request.state.request_id = {stored!r}, and the response "
            f"carried X-Request-ID: {echoed}: the middleware should store the id in "
            'scope["state"]["request_id"], the same id it sends back',
            expected="request.state.request_id == the X-Request-ID of the response",
            response=response,
        )


@pytest.mark.req("5.7")
def test_a_request_without_an_id_gets_a_new_one(client, data):
    """Without X-Request-ID, each response carries a new, different one, a 404 too."""
    _require_request_id()
    seen: list[str] = []
    for method, path, arguments in [
        ("GET", "/health", {}),
        ("GET", "/health", {}),
        ("POST", "/products", {"json": new_product(data)}),
        ("GET", "/users", {}),
        ("GET", f"/products/{data.integer(10_000, 99_999)}", {}),
        ("GET", f"/no-such-page-{data.token(6)}", {}),
    ]:
        _expect_a_new_id(client.request(method, path, **arguments), seen)


@pytest.mark.req("5.7")
def test_a_malformed_request_id_is_not_echoed(client, data):
    """An X-Request-ID over 64 characters, or with other characters, is replaced by a new one."""
    _require_request_id()
    seen: list[str] = []
    for bad in [
        "x" * data.integer(65, 200),
        f"bad id {data.token(4)}",
        f"{data.token(4)};drop",
        f"{data.token(3)}/{data.token(3)}",
    ]:
        response = client.get("/health", headers={"X-Request-ID": bad})
        expect_status(response, 200, "a malformed X-Request-ID does not refuse the request")
        got = response.headers.get("X-Request-ID")
        expect(
            got != bad,
            f"{sent(response)} with X-Request-ID: {bad[:70]} answered the same id: an id is "
            'echoed only when it is 1–64 letters, digits, ".", "_" or "-"; else the '
            "middleware makes a new one (junk never reaches headers or logs)",
            expected="header x-request-id: <a new id>",
            response=response,
        )
        _expect_a_new_id(response, seen)
