"""Stage 6: products have a stock, and an order takes from it in the same
transaction that stores the order."""

import pytest

from checks.stage_06.shop import NOT_ENOUGH_STOCK, product_with_stock, shop_in_database
from checks.support import body_of, expect, expect_status, fail
from checks.support.answers import expect_answer, expect_created, expect_invalid, show
from checks.support.shop import (
    ORDER_NOT_FOUND,
    PRODUCT_NOT_FOUND,
    expect_row,
    full_product,
    product_row,
)


def _stocked(app, client, data, database_url, stock):
    """A product with `stock` in the shop, stored in the database."""
    shop, database, _ = shop_in_database(app, client, data, database_url)
    return shop, database, product_with_stock(shop, stock)


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
        wanted = {"product_id": product["id"], "quantity": quantity}
        why = "POST /orders for a product in stock should answer 201 Created"
        order = expect_created(response, wanted, "/orders", why)
        stock -= quantity
        orders.append(order)
        _expect_stock(shop, database, product, stock, f"an order of {quantity}")
    for order in orders:
        response = shop.get(f"/orders/{order['id']}")
        expect_answer(response, 200, order, f"GET /orders/{order['id']} should answer the order")
    where = ("product_id = ?", product["id"])
    database.expect_count("orders", len(orders), "the orders table holds other orders", *where)
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
    database.expect_count("orders", 0, "a refused order was stored in the orders table")
    response = _order(shop, product["id"], stock)
    expect_status(response, 201, f"an order of exactly the stock ({stock}) should answer 201")
    _expect_stock(shop, database, product, 0, f"an order of the whole stock ({stock})")
    response = _order(shop, product["id"], 1)
    expect_answer(
        response,
        409,
        NOT_ENOUGH_STOCK,
        "an order of 1 for a product out of stock should answer 409",
    )
    _expect_stock(shop, database, product, 0, "an order for a product out of stock")


# A trigger of the checks' own makes the database refuse every new order, as a
# full disk, a lost connection or a broken constraint would: the INSERT INTO
# orders fails after the stock was taken, and the take must go with it.
REFUSAL = "the checks refuse this order"
TRIGGER = "workbook_refuses_orders"


def _refuse_orders(database):
    if database.is_sqlite:
        database.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON orders "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )
        return
    database.execute(
        f"CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
    )
    database.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON orders "
        f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
    )


def _accept_orders(database):
    database.execute(f"DROP TRIGGER {TRIGGER}" + ("" if database.is_sqlite else " ON orders"))


@pytest.mark.req("6.5")
def test_an_order_the_database_refuses_takes_no_stock(app, lenient_client, data, database_url):
    """When the database refuses to store the order, the stock it took is rolled back too."""
    stock = data.integer(5, 60)
    shop, database, product = _stocked(app, lenient_client, data, database_url, stock)
    quantity = data.integer(1, 4)
    _refuse_orders(database)
    response = _order(shop, product["id"], quantity)
    _accept_orders(database)
    expect(
        response.status_code >= 400,
        f"POST /orders answered {response.status_code} while the database refused every "
        "INSERT INTO orders (a trigger of the checks'): the order was not stored in the "
        "orders table",
        expected="an error (the app cannot store the order), and the stock as it was",
        response=response,
    )
    row = product_row(database, product["id"]) or {}
    if row.get("stock") != stock:
        fail(
            f"the database refused to store the order (a trigger of the checks' made INSERT "
            f"INTO orders fail) and POST /orders answered {response.status_code}, yet product "
            f"{product['id']} has a stock of {row.get('stock')} in the database, not {stock}: "
            "the stock was committed without its order. Taking the stock and storing the order "
            "are one transaction, so nothing may commit between them: the repository flushes, "
            "and the unit of work commits once, when the route has succeeded",
            expected=f"the stock still {stock}, no order stored",
            response=response,
        )
    _expect_stock(shop, database, product, stock, "an order the database refused")
    expect(
        database.count("orders") == 0,
        "an order the database refused is in the orders table",
        expected="no order",
        got=f"{database.count('orders')} order(s)",
    )
    response = _order(shop, product["id"], quantity)
    expect(
        response.status_code == 201,
        "once the database stores orders again, POST /orders should answer 201",
        expected="status 201",
        response=response,
    )
    _expect_stock(shop, database, product, stock - quantity, f"an order of {quantity}")


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
    database.expect_count("orders", 0, "a refused order was stored in the orders table")
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
        ("POST", full_product(data, stock=-1), "/products"),
        ("PUT", full_product(data, stock=-data.integer(1, 9)), path),
        ("PATCH", {"stock": -1}, path),
        ("PATCH", {"stock": None}, path),
        ("PATCH", {"stock": 1_000_001}, path),
    ):
        response = shop.request(method, where, json=body)
        why = f'{method} {where} with "stock": {body["stock"]} should answer 422: a stock '
        expect_status(response, 422, why + "is 0 to 1,000,000, and cannot be null")
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
