"""Stage 8, requirement 8.5: PUT /users/me/password changes the password, and
retires every token issued before the change."""

import time

import pytest

from checks.support import expect_status
from checks.support.accounts import (
    BAD_TOKEN,
    FAST,
    expect_unauthorized,
    login,
    login_response,
    member,
)

pytestmark = pytest.mark.env(**FAST)


@pytest.mark.req("8.5")
@pytest.mark.timeout(20)
def test_a_password_change_retires_the_old_tokens(client, data):
    """A wrong current_password is a 400; a change (204) retires the old token and password."""
    account = member(client, data)
    refused = client.put(
        "/users/me/password",
        json={"current_password": account.password + "x", "new_password": data.password()},
        headers=account.headers,
    )
    expect_status(
        refused,
        400,
        "PUT /users/me/password with a wrong current_password should answer 400: a stolen "
        "token alone must not be enough to take an account over",
    )
    still = client.get("/users/me", headers=account.headers)
    expect_status(still, 200, "after a refused change, the token still works")
    # A token's iat is in whole seconds: the change comes in a later second than
    # the token, so that an app comparing iat with the change time can tell.
    time.sleep(1.02 - time.time() % 1)
    old_password = account.password
    new_password = data.password()
    response = client.put(
        "/users/me/password",
        json={"current_password": old_password, "new_password": new_password},
        headers=account.headers,
    )
    expect_status(response, 204, "PUT /users/me/password with the right current password → 204")
    stale = client.get("/users/me", headers=account.headers)
    expect_unauthorized(
        stale,
        "a token issued before the password changed (a thief who had it keeps using it)",
        BAD_TOKEN,
    )
    refused = login_response(client, account.username, old_password)
    expect_status(refused, 401, "POST /auth/token with the old password should answer 401")
    account.password = new_password
    login(client, account, "8.5")
    fresh = client.get("/users/me", headers=account.headers)
    expect_status(fresh, 200, "GET /users/me with a token issued after the change → 200")
