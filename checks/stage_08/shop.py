"""What the stage 8 checks share: accounts (sign up, log in, the admin named by
FIRST_ADMIN_*), tokens (read, and forged with the check's own SECRET_KEY or
another), a 401 that must say how to authenticate, and the users table read
with the checks' own connection.

Hashing costs: the stage README names two settings, ARGON2_MEMORY_COST and
ARGON2_TIME_COST. Most checks set them low (`FAST`), so a hash takes a
millisecond instead of a third of a second; the checks of the real costs and of
timing set their own.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt

from checks.stage_06.db import Database
from checks.support import RandomData, body_of, expect, fail
from checks.support.answers import created, sent

if TYPE_CHECKING:
    import httpx2 as httpx

    from checks.support.client import RecordingClient

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
# The FastAPI tutorial's published example key: a token signed with it is forged.
TUTORIAL_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"


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
        return bearer(self.token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_user(data: RandomData) -> dict[str, str]:
    return {"username": data.username(), "email": data.email(), "password": data.password()}


def new_product(data: RandomData, stock: int = 20) -> dict[str, Any]:
    tags = [data.choice(("gift", "eco", "sale"))]
    return {"name": data.product_name(), "price": data.price(), "tags": tags, "stock": stock}


def signup(client: RecordingClient, data: RandomData) -> Account:
    """POST /users with a random user (not logged in yet)."""
    body = new_user(data)
    user = created(client.post("/users", json=body), "user")
    return Account(user["id"], body["username"], body["password"], body["email"], record=user)


def login_response(client: RecordingClient, username: str, password: str) -> httpx.Response:
    return client.post("/auth/token", data={"username": username, "password": password})


def login(client: RecordingClient, account: Account, requirement: str = "8.2") -> Account:
    """Log `account` in through POST /auth/token; sets and returns it with its token."""
    response = login_response(client, account.username, account.password)
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


def member(client: RecordingClient, data: RandomData) -> Account:
    """A new plain user, signed up and logged in."""
    return login(client, signup(client, data))


def admin(client: RecordingClient) -> Account:
    """The admin the lifespan created from FIRST_ADMIN_* (the checks' ADMIN), logged in."""
    account = Account(0, ADMIN["FIRST_ADMIN_USERNAME"], ADMIN["FIRST_ADMIN_PASSWORD"])
    response = login_response(client, account.username, account.password)
    body = body_of(response) if response.status_code == 200 else None
    if not (isinstance(body, dict) and isinstance(body.get("access_token"), str)):
        fail(
            "the first admin (FIRST_ADMIN_USERNAME, FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD "
            "were set) could not log in, so this cannot be checked yet (see requirement 8.6)",
            expected="the admin created at startup, able to log in",
            response=response,
        )
    account.token = body["access_token"]
    me = client.get("/users/me", headers=account.headers)
    if me.status_code == 200 and isinstance(body_of(me), dict):
        account.id = body_of(me).get("id", 0)
    return account


def add_product(client: RecordingClient, data: RandomData, boss: Account) -> dict[str, Any]:
    response = client.post("/products", json=new_product(data), headers=boss.headers)
    return created(response, "product (as the admin)", "8.6")


# --- Tokens -----------------------------------------------------------------------------------


def claims_of(token: str) -> dict[str, Any]:
    """A token's claims, read without checking anything (as anyone can)."""
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        fail(f"the access token is not a JWT ({error})", expected="a JWT: header.payload.signature")


def header_of(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        fail(f"the access token is not a JWT ({error})", expected="a JWT: header.payload.signature")


def sign(claims: dict[str, Any], key: str, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(claims: dict[str, Any]) -> str:
    """The same claims with `alg: none` and no signature (RFC 7519, section 6)."""
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def tampered(token: str, changes: dict[str, Any]) -> str:
    """The token with its payload changed and its signature kept."""
    head, _payload, signature = token.split(".")
    return f"{head}.{_b64({**claims_of(token), **changes})}.{signature}"


def now() -> int:
    return int(datetime.now(UTC).timestamp())


def attacks(
    genuine: str, key: str, victim: Account, stranger_id: int
) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """Every bad request to a protected route: (what it is, headers, query).
    `genuine` is a valid token of `victim`; `key` is the app's SECRET_KEY."""
    real = claims_of(genuine)
    later = now()

    def resigned(**changes: Any) -> str:
        claims = {**real, **changes}
        return sign({k: v for k, v in claims.items() if v is not None}, key)

    without = {name: resigned(**{name: None}) for name in ("exp", "iat", "sub")}
    basic = base64.b64encode(f"{victim.username}:{victim.password}".encode()).decode()
    return [
        ("no Authorization header", {}, {}),
        ("Basic credentials instead of a bearer token", {"Authorization": f"Basic {basic}"}, {}),
        ("the token in the query string, ?access_token=…", {}, {"access_token": genuine}),
        ("the token in the query string, ?token=…", {}, {"token": genuine}),
        ("the token without the Bearer scheme", {"Authorization": genuine}, {}),
        ("garbage instead of a token", bearer("not-a-token"), {}),
        ("three dots of garbage", bearer("abc.def.ghi"), {}),
        ("alg: none, no signature", bearer(unsigned(real)), {}),
        (
            "the payload changed to another user's id, signature kept",
            bearer(tampered(genuine, {"sub": str(stranger_id)})),
            {},
        ),
        ("signed with another key", bearer(sign(real, secrets.token_hex(32))), {}),
        ("signed with the FastAPI tutorial's example key", bearer(sign(real, TUTORIAL_KEY)), {}),
        ("HS512 with the right key", bearer(sign(real, key, "HS512")), {}),
        ("expired a minute ago", bearer(resigned(iat=later - 3600, exp=later - 60)), {}),
        ("nbf an hour from now (not valid yet)", bearer(resigned(nbf=later + 3600)), {}),
        ("no exp claim", bearer(without["exp"]), {}),
        ("no iat claim", bearer(without["iat"]), {}),
        ("no sub claim", bearer(without["sub"]), {}),
        ("sub as a number, not a string", bearer(resigned(sub=victim.id)), {}),
        ("sub naming no user", bearer(resigned(sub=str(stranger_id + 10_000))), {}),
        ("sub that is not an id", bearer(resigned(sub="admin")), {}),
    ]


def request_or_crash(
    client: RecordingClient, what: str, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """Send a request; an exception the app raises (a TODO stub aside) fails the
    check as the 500 a real client would get."""
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
    """401 with WWW-Authenticate: Bearer (and `detail`, when given)."""
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
    database = Database(database_url)
    if database.is_sqlite:
        names = [row[1] for row in database.rows("PRAGMA table_info(users)")]
    else:
        names = [
            row[0]
            for row in database.rows(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'users' AND table_schema = current_schema() "
                "ORDER BY ordinal_position"
            )
        ]
    if not names:
        fail("the database has no users table", expected="the users table of app/tables.py")
    return [dict(zip(names, row, strict=True)) for row in database.rows("SELECT * FROM users")]


def stored_row(database_url: str, username: str) -> dict[str, Any]:
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
