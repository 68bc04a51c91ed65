"""Stage 8, requirement 8.1: passwords are stored as salted Argon2id hashes,
never in plain text, and never sent back.

The checks read the users table with their own connection: what the app stores
is what an attacker who copies the database gets."""

import time

import pytest

from checks.stage_08.hashes import expect_argon2id
from checks.support import body_of, expect, expect_status
from checks.support.accounts import FAST, signup, stored_hash
from checks.support.answers import sent
from checks.support.shop import new_user

pytestmark = pytest.mark.env(**FAST)


def _secrets_in(value: object, password: str) -> list[str]:
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if "password" in str(key).lower() or "hash" in str(key).lower():
                found.append(f"a field named {key!r}")
            found.extend(_secrets_in(item, password))
    elif isinstance(value, list):
        for item in value:
            found.extend(_secrets_in(item, password))
    elif isinstance(value, str) and (password in value or value.startswith("$argon2")):
        found.append(f"the value {value[:40]!r}…")
    return found


@pytest.mark.req("8.1")
def test_a_signup_stores_a_salted_argon2id_hash(client, data, database_url):
    """POST /users stores an Argon2id hash (two for the same password twice), and sends none."""
    first = signup(client, data)
    response = client.last_response
    leaks = _secrets_in(body_of(response), first.password)
    expect(
        not leaks,
        f"{sent(response)} answered with {', '.join(leaks)}: a password or a hash never goes "
        "out. The return type (UserPublic) is the filter: it has no such field",
        expected='{"id", "username", "email", …} and nothing about the password',
        response=response,
    )
    column, value = stored_hash(database_url, first.username)
    first_hash = expect_argon2id(column, value, first.password)
    twin = new_user(data)
    twin["password"] = first.password
    response = client.post("/users", json=twin)
    expect_status(response, 201, "a second user with the same password should be created")
    second_hash = expect_argon2id(*stored_hash(database_url, twin["username"]), first.password)
    expect(
        first_hash != second_hash,
        "two users with the same password got the same hash: it is not salted, so one "
        "cracked hash gives away every account with that password, and a precomputed table "
        "cracks them all. Let pwdlib pick a random salt for each hash (never pass salt=)",
        expected="two different hashes of the same password",
        got=f"{first_hash[:60]}… twice",
    )


@pytest.mark.req("8.1")
def test_a_ten_kilobyte_password_is_refused_before_hashing(client, data):
    """POST /users with a 10 kB password answers 422 at once, and no user is stored."""
    body = new_user(data)
    huge = {**body, "password": "p" * 10_000}
    started = time.monotonic()
    response = client.post("/users", json=huge)
    took = time.monotonic() - started
    expect_status(
        response,
        422,
        "POST /users with a 10,000-character password should answer 422: hashing whatever "
        "length a client sends is a cheap way to keep the server busy (max_length on the field)",
    )
    expect(
        took < 2.0,
        f"POST /users with a 10 kB password took {took:.2f} s to be refused",
        expected="a 422 from validation, before any hashing",
        response=response,
    )
    again = client.post("/users", json=body)
    expect_status(
        again, 201, "after a refused signup, the same username with a normal password is free"
    )
