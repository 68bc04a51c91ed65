"""Stage 6: dozens of requests at once against a live server (uvicorn on
loopback): nothing is lost, nothing is counted twice, no 500."""

import pytest

from checks.stage_06.shop import product_with_stock, shop_in_database
from checks.support import expect, fail
from checks.support.answers import show
from checks.support.bursts import all_at_once, first_error, run, statuses, tally
from checks.support.shop import full_product, product_row


@pytest.mark.req("6.7")
@pytest.mark.timeout(40)
def test_writes_at_once_lose_nothing(app, client, live_server, data, database_url):
    """50 creates at once make 50 rows; 20 orders at once for a stock S < 20 sell exactly S."""
    shop, database, first = shop_in_database(app, client, data, database_url)
    stock = data.integer(8, 15)
    stocked = product_with_stock(shop, stock)
    _fifty_creates(live_server, database, shop, [first, stocked], data)
    _twenty_orders(live_server, database, stocked, stock)


def _fifty_creates(live_server, database, shop, before, data):
    """50 POST /products at once: 50 × 201, 50 different ids, 50 new rows, all listed."""
    bodies = [full_product(data) for _ in range(50)]
    results = run(
        all_at_once(
            live_server,
            [lambda http, body=body: http.post("/products", json=body) for body in bodies],
        )
    )
    codes = statuses(results)
    burst = "50 × POST /products, all at once, to your app under uvicorn"
    if codes.count(201) != len(bodies):
        fail(
            f"50 POST /products sent at once got {tally(codes)}: under concurrent requests "
            "some failed. Is one session shared by requests, or a connection used by two at "
            f"once? First error: {first_error(results, live_server)}",
            expected="50 × 201",
            got=tally(codes),
            sent=burst,
        )
    ids = [result.json().get("id") for result in results]
    expect(
        len(set(ids)) == len(bodies),
        f"50 products created at once got only {len(set(ids))} different ids",
        expected="50 different ids",
        got=f"ids {sorted(ids)}",
        sent=burst,
    )
    names = dict(database.rows("SELECT id, name FROM products"))
    for result, body in zip(results, bodies, strict=True):
        product_id = result.json()["id"]
        expect(
            names.get(product_id) == body["name"],
            f"product {product_id} was answered 201, and the products table holds "
            f"{names.get(product_id)!r} under that id",
            expected=f"a row named {body['name']!r}",
            response=result,
        )
    rows = database.count("products")
    expected = sorted([*(product["id"] for product in before), *ids])
    expect(
        rows == len(expected),
        f"after 50 creates at once (and {len(before)} before), the products table holds "
        f"{rows} rows",
        expected=f"{len(expected)} rows",
        got=f"{rows} rows",
        sent=burst,
    )
    listed = shop.get("/products", params={"limit": 100}).json()
    expect(
        [product["id"] for product in listed] == expected,
        f"GET /products does not list the {len(expected)} products by id",
        expected=f"the ids {expected}",
        got=f"the ids {[product.get('id') for product in listed]}",
    )


def _twenty_orders(live_server, database, product, stock):
    """20 orders of 1 at once for a stock of S < 20: S × 201, the rest 409, stock 0, S orders."""
    order = {"product_id": product["id"], "quantity": 1}
    results = run(
        all_at_once(live_server, [lambda http: http.post("/orders", json=order) for _ in range(20)])
    )
    codes = statuses(results)
    burst = f"20 × POST /orders {show(order)}, all at once, to your app under uvicorn"
    row = product_row(database, product["id"]) or {}
    orders = database.count("orders", "product_id = ?", product["id"])
    shown = f"{tally(codes)}; stock {row.get('stock')}; {orders} order row(s)"
    if any(code not in (201, 409) for code in codes):
        fail(
            f"20 orders sent at once for a stock of {stock} got {tally(codes)}: concurrent "
            f"orders must not fail. First error: {first_error(results, live_server)}",
            expected=f"{stock} × 201 and {20 - stock} × 409",
            got=shown,
            sent=burst,
        )
    if codes.count(201) != stock or row.get("stock") != 0 or orders != stock:
        fail(
            f"20 orders of 1, sent at once for a stock of {stock}, sold {codes.count(201)} and "
            f"left a stock of {row.get('stock')} with {orders} orders stored: "
            + ("more were sold than there were, " if codes.count(201) > stock else "")
            + "updates were lost. Reading the stock, subtracting in Python and writing it "
            "back lets two requests both read the same value. Take it in one statement: "
            "UPDATE products SET stock = stock - :n WHERE id = :id AND stock >= :n",
            expected=f"{stock} × 201, {20 - stock} × 409, stock 0, {stock} orders",
            got=shown,
            sent=burst,
        )
