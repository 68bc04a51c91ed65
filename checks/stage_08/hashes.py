"""Reading a stored password hash: is it Argon2id, at what cost, or is it
something an attacker would love (the password itself, a fast digest)?"""

import hashlib
import re

from argon2 import extract_parameters
from argon2.exceptions import InvalidHashError

from checks.support import expect, fail

ARGON2ID = re.compile(r"^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$")
# OWASP's Password Storage Cheat Sheet: Argon2id with at least 19 MiB and 2 passes.
MIN_MEMORY_KIB = 19 * 1024
MIN_PASSES = 2


def expect_argon2id(column: str, value: object, password: str) -> str:
    """The stored value is an Argon2id hash, not the password or a fast digest."""
    if not isinstance(value, str):
        fail(
            f"users.{column} holds {type(value).__name__}, not a hash string",
            expected="an Argon2id hash: $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>",
            got=repr(value)[:200],
        )
    fast = {
        hashlib.md5(password.encode()).hexdigest(): "an MD5 digest",
        hashlib.sha1(password.encode()).hexdigest(): "a SHA-1 digest",
        hashlib.sha256(password.encode()).hexdigest(): "a SHA-256 digest",
        hashlib.sha512(password.encode()).hexdigest(): "a SHA-512 digest",
    }
    if password in value:
        fail(
            f"users.{column} holds the password itself: whoever reads the database (a "
            "backup, a leak) can log in as everyone. Store pwdlib's hash of it",
            expected="an Argon2id hash: $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>",
            got=value[:200],
        )
    if value.lower() in fast:
        fail(
            f"users.{column} holds {fast[value.lower()]} of the password: a GPU tries billions "
            "of those a second, and equal passwords give equal digests. Use a slow, salted "
            "password hash: PasswordHash.recommended() (Argon2id)",
            expected="an Argon2id hash",
            got=value[:200],
        )
    expect(
        ARGON2ID.match(value),
        f"users.{column} is not an Argon2id hash in PHC format",
        expected="$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>",
        got=value[:200],
    )
    return value


def argon2_parameters(column: str, value: str) -> tuple[int, int, int]:
    try:
        parameters = extract_parameters(value)
    except InvalidHashError:
        fail(
            f"users.{column} is not an Argon2 hash argon2-cffi can read",
            expected="$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>",
            got=value[:200],
        )
    return parameters.memory_cost, parameters.time_cost, parameters.parallelism
