"""Stage 1: a typed path parameter, and a fixed path declared before a pattern."""

import asyncio
import inspect

import pytest

from checks.support import body_of, expect_json, expect_status, fail
from checks.support.structure import operations

GUEST = {"username": "guest"}


@pytest.mark.req("1.3")
def test_user_id_comes_back_as_an_integer(client, data):
    """GET /users/{user_id} echoes the id as a JSON integer."""
    user_id = data.integer()
    response = client.get(f"/users/{user_id}")
    expect_status(response, 200)
    if body_of(response).get("user_id") == str(user_id):
        fail(
            "user_id came back as a string: the parameter should be declared `user_id: int`",
            expected=f'{{"user_id": {user_id}}}',
            response=response,
        )
    expect_json(response, {"user_id": user_id}, exact=True)


@pytest.mark.req("1.3")
def test_user_id_that_is_not_an_integer_is_rejected(client, data):
    """GET /users/<not a number> answers 422, before the handler runs."""
    expect_status(client.get(f"/users/{data.integer()}"), 200)
    not_a_number = data.username()  # e.g. "ada_x3k9q": letters, so never a valid int
    response = client.get(f"/users/{not_a_number}")
    expect_status(
        response,
        422,
        f"GET /users/{not_a_number} should answer 422: a user id is an integer "
        "(annotate the parameter `user_id: int`)",
    )


def _raise_if_still_todo(endpoint) -> None:
    """Call a handler that takes no arguments, so that its TODO stub can speak."""
    if inspect.signature(endpoint).parameters:
        return
    try:
        result = endpoint()
        if inspect.isawaitable(result):
            asyncio.run(result)
    except NotImplementedError:
        raise
    except Exception:  # a handler that runs but fails is judged by the request
        return


@pytest.mark.req("1.4")
def test_users_me_is_not_taken_for_a_user_id(client, app):
    """GET /users/me answers 200 {"username": "guest"}, not 422."""
    response = client.get("/users/me")
    if response.status_code == 200:
        expect_json(response, GUEST, exact=True)
        return
    routes = [r for r in operations(app) if "GET" in r.methods]
    paths = [route.path for route in routes]
    if "/users/me" not in paths:
        fail(
            "there is no GET /users/me route",
            expected='status 200 {"username": "guest"}',
            response=response,
        )
    me = routes[paths.index("/users/me")]
    _raise_if_still_todo(me.endpoint)
    pattern_first = "/users/{user_id}" in paths and (
        paths.index("/users/{user_id}") < paths.index("/users/me")
    )
    if response.status_code == 422 and pattern_first:
        fail(
            "GET /users/me was answered by /users/{user_id}, which is declared first "
            'and cannot read "me" as an integer: declare /users/me above it',
            expected='status 200 {"username": "guest"}',
            response=response,
        )
    expect_status(response, 200)
