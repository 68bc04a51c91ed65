"""Stage 2: create models refuse what they do not declare, so ids stay the server's."""

import pytest

from checks.stage_02.shop import new_product
from checks.support import body_of, expect, fail
from checks.support.answers import errors_of, show
from checks.support.shop import new_user


def _expect_forbidden(response, key, value):
    """422 with an extra_forbidden error at ["body", key]; a 2xx says what became of it."""
    path = response.request.url.path
    loc = show(["body", key])
    shape = f'status 422 and {{"detail": [{{"type": "extra_forbidden", "loc": {loc}, …}}]}}'
    if response.status_code in (200, 201):
        body = body_of(response)
        kept = isinstance(body, dict) and body.get(key) == value
        fail(
            f"POST {path} accepted a body with {show(key)}: {show(value)}"
            + (" and even used it" if kept else " (and quietly dropped it)"),
            expected=shape,
            response=response,
        )
    expect(
        response.status_code == 422,
        f"POST {path} should refuse an undeclared key with 422",
        expected=shape,
        response=response,
    )
    expect(
        any(
            error.get("type") == "extra_forbidden" and error.get("loc") == ["body", key]
            for error in errors_of(response)
        ),
        f"the 422 has no extra_forbidden error at {loc}",
        expected=shape,
        response=response,
    )


@pytest.mark.req("2.7")
def test_user_create_refuses_an_id(client, data):
    """POST /users with an "id" in the body answers 422 (extra_forbidden)."""
    value = data.integer()
    _expect_forbidden(client.post("/users", json={**new_user(data), "id": value}), "id", value)


@pytest.mark.req("2.7")
def test_user_create_refuses_mass_assignment(client, data):
    """POST /users with "is_admin": true in the body answers 422 (extra_forbidden)."""
    body = {**new_user(data), "is_admin": True}
    _expect_forbidden(client.post("/users", json=body), "is_admin", True)


@pytest.mark.req("2.7")
def test_product_create_refuses_an_id(client, data):
    """POST /products with an "id" in the body answers 422 (extra_forbidden)."""
    value = data.integer()
    body = {**new_product(data), "id": value}
    _expect_forbidden(client.post("/products", json=body), "id", value)


@pytest.mark.req("2.7")
def test_product_create_refuses_any_undeclared_key(client, data):
    """POST /products with a key the model does not declare answers 422 (extra_forbidden)."""
    key, value = f"x_{data.token(5)}", data.token(8)
    _expect_forbidden(client.post("/products", json={**new_product(data), key: value}), key, value)
