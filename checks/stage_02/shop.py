"""What the stage 2 checks share: request bodies made of random data, and the
steps that later requirements stand on (creating a user or a product)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checks.support import RandomData, body_of, expect, fail, todo
from checks.support.answers import created, errors_of, show
from checks.support.shop import new_user

if TYPE_CHECKING:
    import httpx2 as httpx

USER_FIELDS = {"id", "username", "email"}
PRODUCT_FIELDS = {"id", "name", "price", "description"}


def new_product(data: RandomData, *, description: bool = True) -> dict[str, Any]:
    """A product body of this stage, with a description unless told otherwise."""
    body: dict[str, Any] = {"name": data.product_name(), "price": data.price()}
    if description:
        body["description"] = f"{data.choice(('Sturdy', 'Handmade', 'Light'))} {data.token(10)}"
    return body


def expect_id(response: httpx.Response, body: Any, shape: str) -> int:
    """The body is a JSON object with an integer `id`; returns it."""
    resource_id = body.get("id") if isinstance(body, dict) else None
    expect(
        isinstance(resource_id, int) and not isinstance(resource_id, bool),
        "the created resource should have an integer id chosen by the server",
        expected=shape,
        response=response,
    )
    return resource_id


def create_user(client: httpx.Client, data: RandomData) -> tuple[dict[str, str], dict[str, Any]]:
    """POST a random user; returns what was sent and what came back."""
    sent = new_user(data)
    return sent, created(client.post("/users", json=sent), "user", "2.1")


def create_product(
    client: httpx.Client, data: RandomData, *, description: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """POST a random product; returns what was sent and what came back."""
    sent = new_product(data, description=description)
    return sent, created(client.post("/products", json=sent), "product", "2.5")


def read_user(client: httpx.Client, user_id: int) -> httpx.Response:
    """GET /users/{user_id}, telling "not started" from "wrong": the stage 1
    route echoes {"user_id": …}, which is where the skeleton starts."""
    response = client.get(f"/users/{user_id}")
    if response.status_code == 200:
        body = body_of(response)
        if isinstance(body, dict) and set(body) == {"user_id"}:
            todo('GET /users/{user_id} still echoes {"user_id": …} as in stage 1')
    return response


def expect_rejected(response: httpx.Response, field: str, what: str) -> None:
    """A 422 from validation, with an error that points at the body field."""
    path = response.request.url.path
    loc = ["body", field]
    shape = f'status 422 and {{"detail": [{{"loc": {show(loc)}, "msg": …, "type": …}}, …]}}'
    if response.status_code in (200, 201):
        fail(f"POST {path} accepted {what}", expected=shape, response=response)
    expect(
        response.status_code == 422,
        f"POST {path} should reject {what} with 422",
        expected=shape,
        response=response,
    )
    locations = [error.get("loc") for error in errors_of(response)]
    expect(
        loc in locations,
        f"the 422 for {what} does not point at {field}: FastAPI's validation error lists "
        f"each problem with its location, here {show(loc)}"
        + (f" (got {', '.join(show(location) for location in locations)})" if locations else ""),
        expected=shape,
        response=response,
    )


def expect_accepted(response: httpx.Response, what: str) -> None:
    """A valid body at the edge of a constraint is created (201; 200 is graded elsewhere)."""
    path = response.request.url.path
    if response.status_code == 422:
        fields = [show(error.get("loc")) for error in errors_of(response)]
        fail(
            f"POST {path} rejected {what}, which is allowed"
            + (f" (errors at {', '.join(fields)})" if fields else ""),
            expected="status 201: the limits are inclusive",
            response=response,
        )
    expect(
        response.status_code in (200, 201),
        f"POST {path} should accept {what}",
        expected="status 201",
        response=response,
    )


def expect_record(response: httpx.Response, expected: dict[str, Any], model: str) -> None:
    """The body holds the record that was created: every field, same values.
    (Keys beyond those are the business of the checks on what a response may show.)"""
    body = body_of(response)
    request = response.request
    where = f"{request.method} {request.url.path}"
    if not isinstance(body, dict):
        fail(
            f"{where} should answer with a JSON object", expected=show(expected), response=response
        )
    missing = sorted(set(expected) - set(body))
    if missing:
        fail(
            f"{where} leaves out {', '.join(missing)}: its return type should be {model}",
            expected=show(expected),
            response=response,
        )
    wrong = sorted(key for key in expected if body[key] != expected[key])
    if wrong:
        fail(
            f"{where} does not return what was created (different: {', '.join(wrong)})",
            expected=show(expected),
            response=response,
        )
