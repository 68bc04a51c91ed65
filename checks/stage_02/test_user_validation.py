"""Stage 2: the UserCreate model turns bad input into FastAPI's 422."""

import pytest

from checks.stage_02.shop import expect_accepted, expect_rejected
from checks.support.shop import new_user


def _bad_username_short(data):
    return data.token(2), "a 2-character username"


def _bad_username_long(data):
    return data.token(33), "a 33-character username"


def _bad_email_no_at(data):
    return f"{data.username()}.example.com", "an email address without an @"


def _bad_email_no_domain(data):
    return f"{data.username()}@", "an email address with nothing after the @"


def _bad_email_dotless(data):
    return f"{data.username()}@example", "an email address whose domain has no dot"


def _bad_password_short(data):
    return data.token(7), "a 7-character password"


def _bad_password_long(data):
    return data.token(129), "a 129-character password"


INVALID = [
    ("username", _bad_username_short),
    ("username", _bad_username_long),
    ("email", _bad_email_no_at),
    ("email", _bad_email_no_domain),
    ("email", _bad_email_dotless),
    ("password", _bad_password_short),
    ("password", _bad_password_long),
]
AT_THE_LIMITS = [(3, 8), (32, 128)]


# Invalid bodies store nothing, so the cases share one app: one check, many requests.
@pytest.mark.req("2.4")
def test_invalid_user_is_422(client, data):
    """POST /users with one invalid field answers 422 with an error at ["body", field]."""
    for field, bad in INVALID:
        body = new_user(data)
        body[field], what = bad(data)
        expect_rejected(client.post("/users", json=body), field, what)


@pytest.mark.req("2.4")
def test_user_at_the_limits_is_accepted(client, data):
    """A username of exactly 3 or 32 and a password of exactly 8 or 128 characters pass."""
    for username_length, password_length in AT_THE_LIMITS:
        body = new_user(data)
        body["username"] = data.token(username_length)
        body["password"] = data.token(password_length)
        expect_accepted(
            client.post("/users", json=body),
            f"a {username_length}-character username with a {password_length}-character password",
        )
