"""Stage 6: the database keeps usernames and emails unique; a clash is a 409,
stores nothing, and leaves the session fit for the next request."""

import pytest

from checks.stage_06.shop import USERNAME_TAKEN, shop_in_database, stored_user
from checks.support import expect
from checks.support.answers import expect_answer, expect_listed
from checks.support.bursts import all_at_once, first_error, run, statuses, tally
from checks.support.matchers import ANY_ID
from checks.support.shop import new_user, public


def _register(app, client, data, database_url):
    shop, database, _ = shop_in_database(app, client, data, database_url)
    return shop, database, stored_user(shop, database)


def _expect_refused(shop, database, body, clash):
    response = shop.post("/users", json=body)
    expect_answer(
        response,
        409,
        USERNAME_TAKEN,
        f"POST /users with a {clash} that is taken should answer 409 Conflict",
    )
    message = f"after a POST /users with a taken {clash}, the users table holds more rows with it"
    database.expect_count("users", 1, message, f"{clash} = ?", body[clash], response=response)


def _expect_next_one_works(shop, database, users):
    """After a refused write, the next valid one must go through: nothing of the
    failed transaction may linger in the session or the connection."""
    body = new_user(shop.data)
    response = shop.post("/users", json=body)
    why = (
        "after a 409, the next POST /users with a new username and email should answer 201: "
        "is the session rolled back after the refused write?"
    )
    users.append(expect_answer(response, 201, public(body, ANY_ID), why))
    message = "after a 409, the next valid POST /users was not stored as answered"
    database.expect_count("users", 1, message, "email = ?", body["email"], response=response)
    expect_listed(shop.get("/users", params={"limit": 100}), users, "the users that were created")


@pytest.mark.req("6.4")
def test_a_taken_email_answers_409_and_stores_nothing(app, client, data, database_url):
    """POST /users with another user's email answers 409; one row keeps it; the next 201 works."""
    shop, database, first = _register(app, client, data, database_url)
    body = {**new_user(data), "email": first["email"]}
    _expect_refused(shop, database, body, "email")
    _expect_next_one_works(shop, database, [first])


@pytest.mark.req("6.4")
def test_a_taken_username_answers_409_and_stores_nothing(app, client, data, database_url):
    """POST /users with another user's username answers 409; the next valid one answers 201."""
    shop, database, first = _register(app, client, data, database_url)
    body = {**new_user(data), "username": first["username"]}
    _expect_refused(shop, database, body, "username")
    _expect_next_one_works(shop, database, [first])


# Rounds of the concurrent burst (see the check below).
ROUNDS = 3


@pytest.mark.req("6.4")
@pytest.mark.timeout(40)
def test_concurrent_registrations_with_one_email_make_one_user(
    app, client, live_server, data, database_url
):
    """Ten POST /users at once to a live server with one email (twice over): one 201, nine 409."""
    _, database, _ = _register(app, client, data, database_url)
    # A check-then-insert race is only lost when two requests interleave, which
    # the scheduler decides: three rounds give it six chances to show, so that a
    # missing unique constraint is caught on every run, not on some.
    for _ in range(ROUNDS):
        emails = [new_user(data)["email"] for _ in range(2)]
        bodies = [{**new_user(data), "email": email} for _ in range(10) for email in emails]
        calls = [lambda http, body=body: http.post("/users", json=body) for body in bodies]
        results = run(all_at_once(live_server, calls))
        for email in emails:
            _expect_one_user(database, email, results, bodies, live_server)


def _expect_one_user(database, email, results, bodies, live_server):
    codes = statuses([r for r, b in zip(results, bodies, strict=True) if b["email"] == email])
    rows = database.count("users", "email = ?", email)
    expect(
        codes.count(201) == 1 and codes.count(409) == 9 and rows == 1,
        f"ten registrations with one email, sent at once, got {tally(codes)}, and the users "
        f'table holds {rows} rows with that email. Checking first ("is it taken?") and '
        "inserting after is a race that two requests can both win: the email column must "
        "be unique in the database, and the IntegrityError a 409"
        + (
            f". First error: {first_error(results, live_server)}"
            if any(code not in (201, 409) for code in codes)
            else ""
        ),
        expected="1 × 201, 9 × 409, and one row",
        got=f"{tally(codes)}; {rows} row(s)",
        sent=f"10 × POST /users with the email {email} (and ten with another), all at "
        "once, to your app under uvicorn",
    )
