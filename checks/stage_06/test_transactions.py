"""Stage 6: a request that fails leaves nothing behind, and a row that others
point at cannot be deleted from under them, whichever connection of the pool
the request runs on."""

import asyncio

import pytest

from checks.stage_06.shop import PRODUCT_HAS_ORDERS, product_with_stock, shop_in_database
from checks.support import body_of, expect, expect_status, fail
from checks.support.answers import expect_answer, show
from checks.support.bursts import async_client, first_error, run, statuses, tally
from checks.support.shop import PRODUCT_NOT_FOUND, expect_row, product_row

PATH = "/products/price-changes"


def _batch(changes):
    return {"changes": [{"product_id": pid, "price": price} for pid, price in changes]}


@pytest.mark.req("6.6")
def test_a_failed_batch_changes_no_price_in_the_database(app, client, data, database_url):
    """A batch of price changes that fails on its last product leaves every row as it was."""
    shop, database, first = shop_in_database(app, client, data, database_url)
    products = [first] + [shop.create_product() for _ in range(data.integer(1, 2))]
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


# DELETEs sent at once while the checks hold a lock on the database: each one
# waits on it holding a connection of the pool, so the pool opens one for each.
DELETES_AT_ONCE = 5
# Long enough for every DELETE to reach the database and wait there; well
# under the five seconds SQLite waits for a lock before it gives up.
HOLD = 1.0


def _ordered_product(shop, data):
    """A product with an order pointing at it, as the API and the orders table show them."""
    product = product_with_stock(shop, data.integer(5, 50))
    response = shop.post("/orders", json={"product_id": product["id"], "quantity": 1})
    if response.status_code != 201:
        fail(
            "POST /orders did not place an order, so this cannot be checked yet "
            "(see requirement 6.5)",
            expected="status 201",
            response=response,
        )
    return {**product, "stock": product["stock"] - 1}, body_of(response)


@pytest.mark.req("6.6")
def test_a_product_that_has_orders_cannot_be_deleted(app, client, data, database_url):
    """DELETE of an ordered product answers 409 and keeps it; a product without orders goes."""
    shop, database, _ = shop_in_database(app, client, data, database_url)
    ordered, order = _ordered_product(shop, data)
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


async def _at_once_while_locked(server, database, paths):
    """DELETE every path at once while the database is locked, then free it:
    requests waiting together hold one pooled connection each, so the pool
    must open new ones, as it does under load."""
    async with async_client(server) as http:
        await http.get("/")  # started, its lifespan done, before the lock
        async with database.locked() as release:
            burst = [asyncio.ensure_future(http.delete(path)) for path in paths]
            await asyncio.sleep(HOLD)
            await release()
            return await asyncio.gather(*burst, return_exceptions=True)


@pytest.mark.req("6.6")
@pytest.mark.timeout(40)
def test_no_connection_of_the_pool_deletes_an_ordered_product(
    app, client, live_server, data, database_url
):
    """Five ordered products deleted at once, each on a pooled connection of its own: all 409."""
    shop, database, _ = shop_in_database(app, client, data, database_url)
    ordered = [_ordered_product(shop, data) for _ in range(DELETES_AT_ONCE)]
    paths = [f"/products/{product['id']}" for product, _ in ordered]
    results = run(_at_once_while_locked(live_server, database, paths))
    codes = statuses(results)
    burst = (
        f"{DELETES_AT_ONCE} × DELETE /products/{{id}} of products that have orders, all at "
        "once, to your app under uvicorn while the checks held a lock on the database (so "
        "each waited on a connection of its own)"
    )
    deleted = [path for path, code in zip(paths, codes, strict=True) if code == 204]
    if deleted and len(deleted) < len(paths):
        fail(
            f"{len(deleted)} of {len(paths)} DELETEs of products that have orders, sent at "
            f"once, deleted them ({', '.join(deleted)}); the others answered 409. The foreign "
            "key holds on some connections of the pool and not on others: on SQLite, "
            "PRAGMA foreign_keys=ON lasts for one connection, and the pool opens more under "
            'load. Run it on every new connection: listen for the engine\'s "connect" event, '
            "rather than running it once at startup",
            expected=f"{len(paths)} × 409 {show(PRODUCT_HAS_ORDERS)}, every product kept",
            got=tally(codes),
            sent=burst,
        )
    if deleted:
        fail(
            f"{len(paths)} DELETEs of products that have orders, sent at once, deleted them "
            "all: the orders now point at nothing"
            + (
                ". On SQLite, foreign keys are checked only on connections that ran PRAGMA "
                'foreign_keys=ON (listen for the engine\'s "connect" event)'
                if database.is_sqlite
                else ": orders.product_id should be a foreign key"
            ),
            expected=f"{len(paths)} × 409 {show(PRODUCT_HAS_ORDERS)}, every product kept",
            got=tally(codes),
            sent=burst,
        )
    if any(code != 409 for code in codes):
        fail(
            f"{len(paths)} DELETEs of products that have orders, sent at once, got "
            f"{tally(codes)}. First error: {first_error(results, live_server)}",
            expected=f"{len(paths)} × 409 {show(PRODUCT_HAS_ORDERS)}",
            got=tally(codes),
            sent=burst,
        )
    for (product, order), result in zip(ordered, results, strict=True):
        expect_answer(
            result,
            409,
            PRODUCT_HAS_ORDERS,
            f"DELETE /products/{product['id']} of an ordered product",
        )
        expect_row(database, product, f"a refused DELETE /products/{product['id']}", result)
        expect(
            database.count("orders", "id = ?", order["id"]) == 1,
            f"after a refused DELETE /products/{product['id']}, its order {order['id']} is "
            "gone from the orders table",
            expected=f"order {order['id']} kept",
            response=result,
        )
