"""Stage 8, requirement 8.4: get_current_user turns a bearer token into the
user, and every other token into a 401 that says how to authenticate.

The attacks are built from a genuine token of the app's: its claims are read
(as anyone can), changed, and signed again with the check's own SECRET_KEY, or
another key, or none."""

import pytest

from checks.support import body_of, expect, expect_status
from checks.support.accounts import (
    BAD_TOKEN,
    FAST,
    expect_unauthorized,
    login,
    member,
    request_or_crash,
    signup,
)
from checks.support.database import Database
from checks.support.tokens import attacks

pytestmark = pytest.mark.env(**FAST)


@pytest.mark.req("8.4")
def test_users_me_is_the_signed_in_user(client, data):
    """GET /users/me with a user's token answers that user (id, username, email), and no hash."""
    first, second = member(client, data), member(client, data)
    for account in (first, second):
        response = client.get("/users/me", headers=account.headers)
        expect_status(response, 200, "GET /users/me with a valid bearer token should answer 200")
        body = body_of(response)
        expect(
            isinstance(body, dict)
            and body.get("id") == account.id
            and body.get("username") == account.username
            and body.get("email") == account.email,
            "GET /users/me should answer the user the token names",
            expected=f'{{"id": {account.id}, "username": "{account.username}", …}}',
            response=response,
        )
        leaked = [key for key in body if "password" in key.lower() or "hash" in key.lower()]
        expect(
            not leaked,
            f"GET /users/me answered {leaked}: the return type UserPublic keeps them in",
            expected="UserPublic's fields only",
            response=response,
        )


@pytest.mark.req("8.4")
def test_every_bad_token_is_a_401_with_www_authenticate(client, data, environment, database_url):
    """Every attack in the README's list, and a deleted user's token: 401, never 500."""
    victim, stranger = member(client, data), member(client, data)
    key = environment["SECRET_KEY"]
    for what, headers, query in attacks(victim.token, key, victim, stranger.id):
        response = request_or_crash(client, what, "GET", "/users/me", headers=headers, params=query)
        expect_unauthorized(response, what)
        if headers.get("Authorization", "").startswith("Bearer "):
            expect(
                body_of(response) == BAD_TOKEN,
                f"GET /users/me with {what} should answer the one message for every bad token",
                expected=f"401 {BAD_TOKEN}",
                response=response,
            )
    # Last, a well-signed token whose user no longer exists.
    gone = login(client, signup(client, data))
    Database(database_url).execute("DELETE FROM users WHERE id = ?", gone.id)
    what = "the token of a user who has been deleted"
    response = request_or_crash(client, what, "GET", "/users/me", headers=gone.headers)
    expect_unauthorized(response, what, BAD_TOKEN)
