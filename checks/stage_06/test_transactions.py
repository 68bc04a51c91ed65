"""Stage 6: a request that fails leaves nothing behind, and a row that others
point at cannot be deleted from under them."""

import pytest

from checks.stage_06.db import Database
from checks.stage_06.shop import (
    PRODUCT_HAS_ORDERS,
    PRODUCT_NOT_FOUND,
    Shop,
    expect_answer,
    expect_row,
    product_row,
    product_with_stock,
    require_tables,
    show,
    stored_product,
)
from checks.support import body_of, expect, expect_status, fail

PATH = "/products/price-changes"


def _batch(changes):
    return {"changes": [{"product_id": pid, "price": price} for pid, price in changes]}


@pytest.mark.req("6.6")
def test_a_failed_batch_changes_no_price_in_the_database(app, client, data, database_url):
    """A batch of price changes that fails on its last product leaves every row as it was."""
    database = Database(database_url)
    require_tables(app, database)
    shop = Shop(client, data)
    products = [stored_product(shop, database) for _ in range(data.integer(2, 3))]
    unknown = products[-1]["id"] + data.integer(1, 999)
    changes = [(p["id"], data.price()) for p in products] + [(unknown, data.price())]
    response = shop.post(PATH, json=_batch(changes))
    expect_answer(
        response,
        404,
        PRODUCT_NOT_FOUND,
        f"a batch with product {unknown}, which does not exist, should answer 404",
    )
    for product in products:
        row = product_row(database, product["id"])
        if row is None or row["price"] != product["price"]:
            fail(
                f"the batch failed on product {unknown}, and product {product['id']} now costs "
                f"{row and row['price']} in the database: a change before the failure was "
                "committed. The repository flushes and never commits; the unit of work commits "
                "once, when the whole request succeeds",
                expected=f"product {product['id']} still at {product['price']}",
                response=response,
            )
        shop.expect_stored(product, f"/products/{product['id']}", "a batch that failed")
    response = shop.post(PATH, json=_batch(changes[:-1]))
    expect_status(
        response, 200, "a batch of price changes for products that exist should answer 200"
    )
    for product, (_, price) in zip(products, changes, strict=False):
        expect_row(database, {**product, "price": price}, "a batch that succeeded", response)


@pytest.mark.req("6.6")
def test_a_product_that_has_orders_cannot_be_deleted(app, client, data, database_url):
    """DELETE of an ordered product answers 409 and keeps it; a product without orders goes."""
    database = Database(database_url)
    require_tables(app, database)
    shop = Shop(client, data)
    stored_product(shop, database)  # todo while the records live in memory
    ordered = product_with_stock(shop, data.integer(5, 50))
    response = shop.post("/orders", json={"product_id": ordered["id"], "quantity": 1})
    if response.status_code != 201:
        fail(
            "POST /orders did not place an order, so this cannot be checked yet "
            "(see requirement 6.5)",
            expected="status 201",
            response=response,
        )
    order = body_of(response)
    ordered["stock"] -= 1
    path = f"/products/{ordered['id']}"
    response = shop.delete(path)
    if response.status_code == 204:
        fail(
            f"DELETE {path} deleted a product that an order points at"
            + (
                ": on SQLite, foreign keys are checked only on connections that ran PRAGMA "
                'foreign_keys=ON (listen for the engine\'s "connect" event)'
                if database.is_sqlite
                else ": orders.product_id should be a foreign key"
            )
            + ". The order now points at nothing",
            expected=f"status 409 and {show(PRODUCT_HAS_ORDERS)}, and the product kept",
            response=response,
        )
    expect_answer(
        response,
        409,
        PRODUCT_HAS_ORDERS,
        f"DELETE {path}, a product that has orders, should answer 409 Conflict",
    )
    expect_row(database, ordered, f"a refused DELETE {path}", response)
    shop.expect_stored(ordered, path, f"a refused DELETE {path}")
    response = shop.get(f"/orders/{order['id']}")
    expect_answer(
        response,
        200,
        order,
        "the order of a product that could not be deleted should still be there",
    )
    spare = shop.create_product()
    response = shop.delete(f"/products/{spare['id']}")
    expect_status(
        response,
        204,
        f"DELETE /products/{spare['id']}, a product without orders, should answer 204",
    )
    expect(
        database.count("products", "id = ?", spare["id"]) == 0,
        "a product without orders was answered 204, and its row is still there",
        expected="no row",
        response=response,
    )
