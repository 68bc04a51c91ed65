"""Passwords and tokens: the two secrets of signing in, and nothing about HTTP.

A password is stored only as an Argon2id hash (pwdlib), made and checked in a
worker thread, since one hash costs a good part of a second of CPU on purpose.
A token is a JWT signed with HS256 and the app's SECRET_KEY: anyone can read
its claims (it is signed, not encrypted), nobody without the key can change
them.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import SecretStr

# One algorithm, named here and nowhere else: decoding accepts this one only,
# so a token cannot choose how it is checked ("none", or HS512 with our key).
ALGORITHM = "HS256"
# The claims a token must carry to be read at all. PyJWT checks exp and iat
# when they are present; requiring them is what turns "absent" into "invalid".
REQUIRED_CLAIMS = ["exp", "iat", "sub"]


class Passwords:
    """Hashes passwords and checks them, off the event loop.

    `PasswordHash.recommended()` is Argon2id with argon2-cffi's costs (64 MiB,
    3 passes); the costs come from the settings here so that a test suite can
    lower them, as Django's test settings swap in a fast hasher.
    """

    def __init__(self, *, memory_cost: int, time_cost: int) -> None:
        self._hasher = PasswordHash((Argon2Hasher(memory_cost=memory_cost, time_cost=time_cost),))

    async def hash(self, password: str) -> str:
        """A new salted Argon2id hash of `password`: never the same string twice."""
        # A thread of its own: argon2-cffi releases the GIL while it works, so
        # other requests run meanwhile instead of waiting for the hash.
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password: str, hashed: str | None) -> bool:
        """Whether `password` matches `hashed`. For an unknown user (`hashed` is
        None) the same work is done against a dummy hash, and the answer is False:
        a login must not tell, by answering sooner, that no such user exists."""
        matches = await asyncio.to_thread(
            self._hasher.verify, password, hashed if hashed is not None else self._dummy_hash
        )
        return matches and hashed is not None

    @cached_property
    def _dummy_hash(self) -> str:
        # Made once, with the same costs as real hashes, so checking it takes as long.
        return self._hasher.hash("no account has this password")


def create_access_token(
    subject: str, *, secret_key: SecretStr, lifetime: timedelta, **claims: Any
) -> str:
    """A signed JWT for `subject` (the user's id, as a string) that expires
    after `lifetime`; `claims` are added as they are."""
    issued = datetime.now(UTC)
    payload = {**claims, "sub": subject, "iat": issued, "exp": issued + lifetime}
    return jwt.encode(payload, secret_key.get_secret_value(), algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret_key: SecretStr) -> dict[str, Any]:
    """The claims of a token this app signed, still valid; otherwise
    jwt.InvalidTokenError (bad signature, expired, not yet valid, a claim
    missing, another algorithm, not a JWT at all)."""
    return jwt.decode(
        token,
        secret_key.get_secret_value(),
        algorithms=[ALGORITHM],
        options={"require": REQUIRED_CLAIMS},
    )
