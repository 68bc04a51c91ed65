"""Stage 9, requirement 9.9: the 🥇 challenge as a whole. Stage 6's promises
of integrity under concurrency hold through /api/v2, on a live uvicorn: they
are the database's, and v2 reaches the same repository in one transaction per
request."""

from __future__ import annotations

import re

import pytest

from checks.stage_09.shop import ENVIRONMENT, V2, add_product, money, product_body
from checks.support import body_of, expect, fail, todo
from checks.support.accounts import admin, member
from checks.support.answers import show
from checks.support.bursts import all_at_once, first_error, run, statuses, tally
from checks.support.database import Database
from checks.support.shop import new_user

pytestmark = pytest.mark.env(**ENVIRONMENT)

PROBLEM = "application/problem+json"
# Rounds of the same-name signups: a race lost only when two requests
# interleave, which the scheduler decides; three rounds give it three chances.
ROUNDS = 3


def _todo_in_the_server(live_server, codes: list) -> None:
    """A 500 from a TODO stub of the skeleton, seen in the live server's log: to do."""
    if 500 in codes:
        stub = re.search(r"NotImplementedError: (TODO \d+\.\d+[^\n]*)", live_server.log_tail(60))
        if stub:
            todo(f"the server answered 500, from the skeleton's stub: {stub.group(1)}")


def _signups_at_once(live_server, database, data) -> None:
    for _ in range(ROUNDS):
        username = data.username()
        bodies = [{**new_user(data), "username": username} for _ in range(2)]
        results = run(
            all_at_once(
                live_server, [lambda http, b=b: http.post(f"{V2}/users", json=b) for b in bodies]
            )
        )
        codes = statuses(results)
        _todo_in_the_server(live_server, codes)
        rows = database.count("users", "username = ?", username)
        burst = (
            f"2 × POST {V2}/users with the username {username!r}, at once, to your app "
            "under uvicorn"
        )
        if sorted(map(str, codes)) != ["201", "409"] or rows != 1:
            fail(
                f"two signups with one username, sent at once, got {tally(codes)} and left {rows} "
                "row(s) with that username: the database's unique constraint decides, and its "
                "IntegrityError is a 409"
                + (
                    f". First error: {first_error(results, live_server)}"
                    if any(c not in (201, 409) for c in codes)
                    else ""
                ),
                expected="1 × 201, 1 × 409, one row",
                got=f"{tally(codes)}; {rows} row(s)",
                sent=burst,
            )
        refused = next(r for r in results if r.status_code == 409)
        expect(
            refused.headers.get("content-type", "").startswith(PROBLEM)
            and body_of(refused).get("status") == 409,
            "the 409 of two signups at once is not problem details: v2 answers every error "
            f"as {PROBLEM}, this one too (requirement 9.6)",
            expected=f'409 {PROBLEM} {{"status": 409, "title": "Conflict", …}}',
            response=refused,
        )


def _orders_at_once(live_server, database, product, buyer) -> None:
    order = {"product_id": product["id"], "quantity": 1}
    results = run(
        all_at_once(
            live_server,
            [
                lambda http: http.post(f"{V2}/orders", json=order, headers=buyer.headers)
                for _ in range(20)
            ],
        )
    )
    codes = statuses(results)
    _todo_in_the_server(live_server, codes)
    stock = database.scalar("SELECT stock FROM products WHERE id = ?", product["id"])
    orders = database.count("orders", "product_id = ?", product["id"])
    shown = f"{tally(codes)}; stock {stock}; {orders} order row(s)"
    burst = f"20 × POST {V2}/orders {show(order)}, at once, to your app under uvicorn"
    if any(code not in (201, 409) for code in codes):
        fail(
            f"20 orders sent at once for a stock of 5 got {tally(codes)}: concurrent orders must "
            f"not fail. First error: {first_error(results, live_server)}",
            expected="5 × 201 and 15 × 409",
            got=shown,
            sent=burst,
        )
    if codes.count(201) != 5 or stock != 0 or orders != 5:
        fail(
            f"20 orders of 1, sent at once through v2 for a stock of 5, sold {codes.count(201)} "
            f"and left a stock of {stock} with {orders} orders stored: the v2 route must take "
            "the stock as v1 does, in one statement (UPDATE products SET stock = stock - :n "
            "WHERE id = :id AND stock >= :n), in the same transaction as the order",
            expected="5 × 201, 15 × 409, stock 0, 5 orders",
            got=shown,
            sent=burst,
        )


def _creates_at_once(live_server, database, boss, data) -> None:
    before = database.count("products")
    bodies = [product_body(data, v2=True) for _ in range(50)]
    results = run(
        all_at_once(
            live_server,
            [
                lambda http, b=b: http.post(f"{V2}/products", json=b, headers=boss.headers)
                for b in bodies
            ],
        )
    )
    codes = statuses(results)
    _todo_in_the_server(live_server, codes)
    burst = f"50 × POST {V2}/products, at once, to your app under uvicorn"
    if codes.count(201) != 50:
        fail(
            f"50 POST {V2}/products sent at once got {tally(codes)}. First error: "
            f"{first_error(results, live_server)}",
            expected="50 × 201",
            got=tally(codes),
            sent=burst,
        )
    ids = [result.json().get("id") for result in results]
    rows = database.count("products")
    stored = dict(database.rows("SELECT id, price FROM products"))
    wrong = [
        (i, b["price"], stored.get(i))
        for i, b in zip(ids, bodies, strict=True)
        if stored.get(i) is None or money(stored[i]) != b["price"]
    ]
    expect(
        len(set(ids)) == 50 and rows == before + 50 and not wrong,
        f"50 products created at once through v2 got {len(set(ids))} distinct ids, and the "
        f"products table went from {before} to {rows} rows"
        + (f"; these are not stored at their price: {wrong[:3]}" if wrong else ""),
        expected=f"50 distinct ids, {before + 50} rows, each at its price",
        got=f"{len(set(ids))} ids, {rows} rows",
        sent=burst,
    )


@pytest.mark.req("9.9")
@pytest.mark.timeout(60)
def test_integrity_holds_through_v2_under_concurrency(client, live_server, data, database_url):
    """Live server, /api/v2: same-name signups → 201 + 409; 20 orders for 5 → 5; 50 creates → 50."""
    database = Database(database_url)
    boss = admin(client, prefix=V2, requirement="9.2")
    buyer = member(client, data, prefix=V2)
    product = add_product(client, boss, data, requirement="9.4", stock=5)
    # The orders first: the skeleton's v2 POST /orders is this requirement's TODO.
    _orders_at_once(live_server, database, product, buyer)
    _creates_at_once(live_server, database, boss, data)
    _signups_at_once(live_server, database, data)
