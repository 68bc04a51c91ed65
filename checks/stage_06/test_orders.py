"""Stage 6: products have a stock, and an order takes from it in the same
transaction that stores the order."""

from urllib.parse import urlsplit

import pytest

from checks.stage_04.shop import expect_invalid
from checks.stage_06.db import Database
from checks.stage_06.shop import (
    NOT_ENOUGH_STOCK,
    ORDER_NOT_FOUND,
    PRODUCT_NOT_FOUND,
    Shop,
    expect_answer,
    expect_row,
    new_product,
    product_with_stock,
    require_tables,
    show,
    stored_product,
)
from checks.support import body_of, expect, expect_header, fail


def _stocked(app, client, data, database_url, stock):
    """A product with `stock` in the shop, stored in the database."""
    database = Database(database_url)
    require_tables(app, database)
    shop = Shop(client, data)
    stored_product(shop, database)  # todo while the records live in memory
    product = product_with_stock(shop, stock)
    return shop, database, product


def _order(shop, product_id, quantity):
    return shop.post("/orders", json={"product_id": product_id, "quantity": quantity})


def _expect_stock(shop, database, product, stock, after):
    response = shop.get(f"/products/{product['id']}")
    shown = body_of(response).get("stock") if response.status_code == 200 else None
    expect(
        shown == stock,
        f"after {after}, GET /products/{product['id']} shows a stock of {shown}",
        expected=f'"stock": {stock}',
        response=response,
    )
    expect_row(database, {**product, "stock": stock}, after, response)


@pytest.mark.req("6.5")
def test_an_order_takes_its_quantity_from_the_stock(app, client, data, database_url):
    """POST /orders answers 201 + Location with the order, stores it and lowers the stock."""
    stock = data.integer(10, 60)
    shop, database, product = _stocked(app, client, data, database_url, stock)
    orders = []
    for _ in range(2):
        quantity = data.integer(1, 4)
        response = _order(shop, product["id"], quantity)
        expect(
            response.status_code == 201,
            "POST /orders for a product in stock should answer 201 Created",
            expected="status 201",
            response=response,
        )
        order = body_of(response)
        wanted = {"id": order.get("id"), "product_id": product["id"], "quantity": quantity}
        expect(
            order == wanted and isinstance(order.get("id"), int),
            "POST /orders should answer the order: its new id, the product and the quantity",
            expected=show({**wanted, "id": "<an integer>"}),
            response=response,
        )
        location = expect_header(response, "Location")
        expect(
            urlsplit(location).path == f"/orders/{order['id']}",
            f"the Location header is {location!r}",
            expected=f"header location: /orders/{order['id']}",
            response=response,
        )
        stock -= quantity
        orders.append(order)
        _expect_stock(shop, database, product, stock, f"an order of {quantity}")
    for order in orders:
        response = shop.get(f"/orders/{order['id']}")
        expect_answer(response, 200, order, f"GET /orders/{order['id']} should answer the order")
    rows = database.count("orders", "product_id = ?", product["id"])
    expect(
        rows == len(orders),
        f"the orders table holds {rows} orders of the product",
        expected=f"{len(orders)} rows",
        got=f"{rows} rows",
    )
    unknown = orders[-1]["id"] + data.integer(1, 999)
    expect_answer(
        shop.get(f"/orders/{unknown}"),
        404,
        ORDER_NOT_FOUND,
        f"GET /orders/{unknown}, an order nobody placed, should answer 404",
    )


@pytest.mark.req("6.5")
def test_an_order_beyond_the_stock_changes_nothing(app, client, data, database_url):
    """More than the stock answers 409 and changes nothing; exactly the stock empties it."""
    stock = data.integer(2, 9)
    shop, database, product = _stocked(app, client, data, database_url, stock)
    for quantity in (stock + 1, stock + data.integer(2, 50)):
        response = _order(shop, product["id"], quantity)
        expect_answer(
            response,
            409,
            NOT_ENOUGH_STOCK,
            f"an order of {quantity} with {stock} in stock should answer 409",
        )
        _expect_stock(shop, database, product, stock, f"a refused order of {quantity}")
    expect(
        database.count("orders") == 0,
        "a refused order was stored in the orders table all the same",
        expected="no order",
        got=f"{database.count('orders')} order(s)",
    )
    response = _order(shop, product["id"], stock)
    expect(
        response.status_code == 201,
        f"an order of exactly the stock ({stock}) should answer 201",
        expected="status 201",
        response=response,
    )
    _expect_stock(shop, database, product, 0, f"an order of the whole stock ({stock})")
    response = _order(shop, product["id"], 1)
    expect_answer(
        response,
        409,
        NOT_ENOUGH_STOCK,
        "an order of 1 for a product out of stock should answer 409",
    )
    _expect_stock(shop, database, product, 0, "an order for a product out of stock")


@pytest.mark.req("6.5")
def test_orders_for_no_product_or_a_bad_quantity_are_refused(app, client, data, database_url):
    """An unknown product answers 404, a quantity outside 1–100 or an id 422; nothing is stored."""
    shop, database, product = _stocked(app, client, data, database_url, 500)
    unknown = product["id"] + data.integer(1, 999)
    expect_answer(
        _order(shop, unknown, 1),
        404,
        PRODUCT_NOT_FOUND,
        f"an order for product {unknown}, which does not exist, should answer 404",
    )
    for quantity in (0, -data.integer(1, 9), 101):
        expect_invalid(
            _order(shop, product["id"], quantity),
            ["body", "quantity"],
            f"an order of {quantity} should answer 422: a quantity is 1 to 100",
        )
    response = shop.post("/orders", json={"product_id": product["id"], "quantity": 1, "id": 7})
    expect_invalid(
        response,
        ["body", "id"],
        'an order body that sets its own id should answer 422 (extra="forbid")',
    )
    expect(
        database.count("orders") == 0,
        "a refused order was stored in the orders table",
        expected="no order",
        got=f"{database.count('orders')} order(s)",
    )
    _expect_stock(shop, database, product, 500, "orders that were all refused")


@pytest.mark.req("6.5")
def test_the_stock_is_part_of_every_product(app, client, data, database_url):
    """stock defaults to 0, is set by POST, PUT and PATCH, and is refused below 0 or as null."""
    shop, database, product = _stocked(app, client, data, database_url, data.integer(1, 99))
    plain = shop.create_product()
    expect(
        plain.get("stock") == 0,
        "a product created without a stock should have 0",
        expected='"stock": 0',
        got=show(plain),
    )
    path = f"/products/{product['id']}"
    for method, body, where in (
        ("POST", new_product(data, stock=-1), "/products"),
        ("PUT", new_product(data, stock=-data.integer(1, 9)), path),
        ("PATCH", {"stock": -1}, path),
        ("PATCH", {"stock": None}, path),
        ("PATCH", {"stock": 1_000_001}, path),
    ):
        response = shop.request(method, where, json=body)
        if response.status_code != 422:
            fail(
                f'{method} {where} with "stock": {body["stock"]} should answer 422: a stock '
                "is 0 to 1,000,000, and cannot be null",
                expected="status 422",
                response=response,
            )
    _expect_stock(shop, database, product, product["stock"], "refused changes of its stock")
    restock = data.integer(100, 999)
    response = shop.patch(path, json={"stock": restock})
    expect_answer(
        response,
        200,
        {**product, "stock": restock},
        f"PATCH {path} with a new stock should answer the product with it",
    )
    _expect_stock(shop, database, product, restock, f"PATCH {path}")
