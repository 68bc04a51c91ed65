"""Bearer tokens as an attacker sees them: read without a key, forged with the
check's own SECRET_KEY or another, tampered, unsigned, expired.

`attacks()` lists every bad request to a protected route that a JWT setup
must refuse with 401; stage 8's checks send each one, and so can any later
stage's (the routes' paths are the check's business, not this module's).
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt

from checks.support.failures import fail

if TYPE_CHECKING:
    from checks.support.accounts import Account

# The FastAPI tutorial's published example key: a token signed with it is forged.
TUTORIAL_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"


def bearer(token: str) -> dict[str, str]:
    """The Authorization header that sends `token`."""
    return {"Authorization": f"Bearer {token}"}


def claims_of(token: str) -> dict[str, Any]:
    """A token's claims, read without checking anything (as anyone can)."""
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        fail(f"the access token is not a JWT ({error})", expected="a JWT: header.payload.signature")


def header_of(token: str) -> dict[str, Any]:
    """A token's JOSE header ({"alg": …, "typ": …}), read without checking anything."""
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        fail(f"the access token is not a JWT ({error})", expected="a JWT: header.payload.signature")


def sign(claims: dict[str, Any], key: str, algorithm: str = "HS256") -> str:
    """A token of `claims` signed with `key`: genuine when `key` is the app's SECRET_KEY."""
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
    """The current time as a JWT's NumericDate (whole seconds since the epoch)."""
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
