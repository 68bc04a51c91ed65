"""Accounts, from stage 8 on: sign up, log in, the admin named by FIRST_ADMIN_*,
a 401 that must say how to authenticate, and the users table read with the
checks' own connection.

Every helper that sends a request takes `prefix` (say "/api/v2"), put before
each path it sends to, and the paths themselves default to stage 8's
(`POST /users`, `POST /auth/token`, `GET /users/me`), so a later stage that
moves or versions the routes uses the same helpers.

Hashing costs: stage 8's README names two settings, ARGON2_MEMORY_COST and
ARGON2_TIME_COST. Most checks set them low (`FAST`), so a hash takes a
millisecond instead of a third of a second; the checks of the real costs and of
timing set their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checks.support.answers import created, sent
from checks.support.database import Database
from checks.support.failures import body_of, expect, fail
from checks.support.shop import new_product, new_user
from checks.support.tokens import bearer

if TYPE_CHECKING:
    import httpx2 as httpx

    from checks.support.client import RecordingClient
    from checks.support.data import RandomData

# Cheap Argon2id: the checks that are not about the cost set these.
FAST = {"ARGON2_MEMORY_COST": "1024", "ARGON2_TIME_COST": "1"}
# The first admin, for the checks that need one (8.6 also tries a random one).
ADMIN = {
    "FIRST_ADMIN_USERNAME": "root_admin",
    "FIRST_ADMIN_EMAIL": "root_admin@example.com",
    "FIRST_ADMIN_PASSWORD": "Admin-pass-for-the-checks",
}
BAD_CREDENTIALS = {"detail": "Incorrect username or password"}
BAD_TOKEN = {"detail": "Could not validate credentials"}

USERS = "/users"
TOKEN = "/auth/token"
ME = "/users/me"


@dataclass
class Account:
    """A user the check signed up (or the admin), and a token once logged in."""

    id: int
    username: str
    password: str
    email: str = ""
    token: str = ""
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of this account's token."""
        return bearer(self.token)


def signup(
    client: RecordingClient, data: RandomData, *, prefix: str = "", path: str = USERS
) -> Account:
    """POST /users with a random user (not logged in yet)."""
    body = new_user(data)
    user = created(client.post(prefix + path, json=body), "user")
    return Account(user["id"], body["username"], body["password"], body["email"], record=user)


def login_response(
    client: RecordingClient, username: str, password: str, *, prefix: str = "", path: str = TOKEN
) -> httpx.Response:
    """POST /auth/token with the OAuth2 password form; the response, unread."""
    return client.post(prefix + path, data={"username": username, "password": password})


def login(
    client: RecordingClient,
    account: Account,
    requirement: str = "8.2",
    *,
    prefix: str = "",
    path: str = TOKEN,
) -> Account:
    """Log `account` in through POST /auth/token; sets and returns it with its
    token. A failed login fails the check as blocked by `requirement`."""
    response = login_response(client, account.username, account.password, prefix=prefix, path=path)
    body = body_of(response) if response.status_code == 200 else None
    token = body.get("access_token") if isinstance(body, dict) else None
    if response.status_code != 200 or not isinstance(token, str):
        fail(
            f"{account.username} could not log in with the password they signed up with, so "
            f"this cannot be checked yet (see requirement {requirement})",
            expected='200 {"access_token": "<a JWT>", "token_type": "bearer"}',
            response=response,
        )
    account.token = token
    return account


def member(
    client: RecordingClient, data: RandomData, *, prefix: str = "", requirement: str = "8.2"
) -> Account:
    """A new plain user, signed up and logged in."""
    return login(client, signup(client, data, prefix=prefix), requirement, prefix=prefix)


def admin(client: RecordingClient, *, prefix: str = "", requirement: str = "8.6") -> Account:
    """The admin the lifespan created from FIRST_ADMIN_* (the checks' ADMIN), logged
    in; its id is read from GET /users/me when that answers."""
    account = Account(0, ADMIN["FIRST_ADMIN_USERNAME"], ADMIN["FIRST_ADMIN_PASSWORD"])
    response = login_response(client, account.username, account.password, prefix=prefix)
    body = body_of(response) if response.status_code == 200 else None
    if not (isinstance(body, dict) and isinstance(body.get("access_token"), str)):
        fail(
            "the first admin (FIRST_ADMIN_USERNAME, FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD "
            "were set) could not log in, so this cannot be checked yet "
            f"(see requirement {requirement})",
            expected="the admin created at startup, able to log in",
            response=response,
        )
    account.token = body["access_token"]
    me = client.get(prefix + ME, headers=account.headers)
    if me.status_code == 200 and isinstance(body_of(me), dict):
        account.id = body_of(me).get("id", 0)
    return account


def add_product(
    client: RecordingClient,
    data: RandomData,
    boss: Account,
    *,
    prefix: str = "",
    requirement: str = "8.6",
    **fields: Any,
) -> dict[str, Any]:
    """POST /products as `boss` (the admin): a random product with one tag and a
    stock of 20 unless `fields` say otherwise; returns the created product."""
    body = new_product(data, tags=[data.choice(("gift", "eco", "sale"))], stock=20) | fields
    response = client.post(prefix + "/products", json=body, headers=boss.headers)
    return created(response, "product (as the admin)", requirement)


def request_or_crash(
    client: RecordingClient, what: str, method: str, url: str, *, prefix: str = "", **kwargs: Any
) -> httpx.Response:
    """Send a request; an exception the app raises (a TODO stub aside) fails the
    check as the 500 a real client would get."""
    url = prefix + url
    try:
        return client.request(method, url, **kwargs)
    except NotImplementedError as error:
        if "TODO" in str(error):
            raise
        crashed = error
    except Exception as error:  # whatever escapes a route is a 500 for the client
        crashed = error
    fail(
        f"{method} {url} with {what} crashed the app ({type(crashed).__name__}: {crashed}), "
        "a 500 for the client: a bad token is the client's mistake, answered with 401. "
        "Catch jwt.InvalidTokenError (the parent of every decoding error), not one of its "
        "subclasses",
        expected="status 401 with WWW-Authenticate: Bearer",
        got=f"500: {type(crashed).__name__}",
    )


def expect_unauthorized(
    response: httpx.Response, what: str, detail: dict[str, str] | None = None
) -> None:
    """401 with WWW-Authenticate: Bearer (and the body `detail`, when given)."""
    request = sent(response)
    expect(
        response.status_code != 500,
        f"{request} with {what} crashed the app (500): a bad token is the client's mistake, "
        "answered with 401. Catch jwt.InvalidTokenError (the parent of every decoding error), "
        "not one of its subclasses",
        expected="status 401",
        response=response,
    )
    expect(
        response.status_code == 401,
        f"{request} with {what} should answer 401 Unauthorized"
        + (
            ' (403 means "I know who you are, and you may not"; here nobody was recognised)'
            if response.status_code == 403
            else ""
        ),
        expected="status 401 with WWW-Authenticate: Bearer",
        response=response,
    )
    expect(
        response.headers.get("www-authenticate", "").lower().startswith("bearer"),
        f"{request} with {what} answered 401 without `WWW-Authenticate: Bearer`: every 401 "
        'says how to authenticate (HTTPException(..., headers={"WWW-Authenticate": "Bearer"}))',
        expected="the header WWW-Authenticate: Bearer",
        response=response,
    )
    if detail is not None:
        expect(
            body_of(response) == detail,
            f"{request} with {what} answered 401 with another body",
            expected=f"401 {json.dumps(detail)}",
            response=response,
        )


# --- The users table, read by the checks ------------------------------------------------------


def user_rows(database_url: str) -> list[dict[str, Any]]:
    """Every row of the users table, as {column: value}."""
    return Database(database_url).records("users")


def stored_row(database_url: str, username: str) -> dict[str, Any]:
    """The users row of `username`; fails the check when there is none."""
    for row in user_rows(database_url):
        if row.get("username") == username:
            return row
    fail(
        f"the users table has no row for {username}, who just signed up",
        expected=f"a row with username {username!r}",
    )


def stored_hash(database_url: str, username: str) -> tuple[str, Any]:
    """(column, value) of the column that holds something like a password hash."""
    row = stored_row(database_url, username)
    for name, value in row.items():
        if "password" in name.lower() or "hash" in name.lower():
            return name, value
    fail(
        f"the users row of {username} has no column for the password hash: {sorted(row)}",
        expected="a column such as hashed_password",
    )
