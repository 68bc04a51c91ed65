"""Stage 5: every write runs in a unit of work, all or nothing, on the route's own
repository."""

import pytest
from fastapi.exceptions import FastAPIError

from checks.stage_05.shop import (
    PRODUCT_NOT_FOUND,
    WRITES,
    another_repository,
    app_repository,
    create_product,
    depends_on,
    find,
    new_product,
    override,
    read_product,
    require_unit_of_work,
    seed_product,
    stored,
)
from checks.support import body_of, expect, expect_status, fail
from checks.support.answers import expect_equal, sent, show
from checks.support.learner import Counting

PATH = "/products/price-changes"


def _read(client, product):
    """GET a product that POST /products created."""
    return read_product(
        client,
        product["id"],
        f"POST /products created product {product['id']}, and GET /products/{product['id']} "
        "no longer finds it: a unit of work must keep the writes of a request that succeeds "
        "(is the rollback in a `finally`?)",
    )


def _batch(changes):
    return {"changes": [{"product_id": pid, "price": price} for pid, price in changes]}


def _post_batch(client, changes):
    """POST a batch of price changes. A unit of work that swallows the route's
    exception leaves FastAPI without a response; say so instead of crashing."""
    try:
        return client.post(PATH, json=_batch(changes))
    except (FastAPIError, UnboundLocalError) as error:
        if isinstance(error, UnboundLocalError) and "response" not in str(error):
            raise
        fail(
            f"POST {PATH} raised a 404 for an unknown product, and no response came out of "
            "it: get_unit_of_work caught the exception and did not raise it again (after "
            "the rollback, `raise` lets FastAPI turn it into the 404)",
            expected=f"status 404 {show(PRODUCT_NOT_FOUND)}",
            got=f"no response: FastAPI raised {type(error).__name__}",
        )


def _failing_batch(data, products):
    """Changes for some of `products`, then one for a product that does not exist,
    then maybe more: the batch fails half-way."""
    known = [(p["id"], data.price()) for p in products[: data.integer(1, len(products))]]
    unknown = (max(p["id"] for p in products) + data.integer(1, 9_999), data.price())
    after = [(products[-1]["id"], data.price())] if data.choice([True, False]) else []
    return [*known, unknown, *after]


@pytest.mark.req("5.4")
def test_price_changes_are_made_in_order(client, data):
    """POST /products/price-changes answers 200 with the repriced products, and they are stored."""
    products = [create_product(client, data) for _ in range(data.integer(3, 5))]
    for product in products:
        _read(client, product)
    chosen = products[1:] if data.choice([True, False]) else products[:-1]
    changes = [(p["id"], data.price()) for p in reversed(chosen)]
    response = _post_batch(client, changes)
    expect_status(response, 200, f"POST {PATH} with known products should answer 200")
    wanted = [
        {**next(p for p in products if p["id"] == pid), "price": price} for pid, price in changes
    ]
    expect_equal(
        body_of(response),
        wanted,
        f"POST {PATH} did not answer the repriced products, in the order of the changes",
        response=response,
    )
    for product in products:
        new_price = dict(changes).get(product["id"], product["price"])
        expect(
            read_product(client, product["id"])["price"] == new_price,
            f"after POST {PATH}, product {product['id']} does not have its new price: a unit "
            "of work that succeeds must keep its writes",
            expected=f"product {product['id']} at {new_price}",
            response=client.last_response,
        )


@pytest.mark.req("5.4")
def test_a_batch_that_fails_half_way_leaves_no_trace(client, app, data):
    """A batch with an unknown product answers 404, and no price has changed."""
    products = [create_product(client, data) for _ in range(data.integer(2, 4))]
    # A batch that works first, so that an unfinished route is reported as to do.
    _post_batch(client, [(products[0]["id"], products[0]["price"])])
    changes = _failing_batch(data, products)
    response = _post_batch(client, changes)
    expect_status(
        response,
        404,
        f"POST {PATH} with {show(_batch(changes))} names a product that "
        "does not exist: it should answer 404",
    )
    expect(
        body_of(response) == PRODUCT_NOT_FOUND,
        f"the 404 from POST {PATH} should say which kind of thing was not found",
        expected=f"status 404 {show(PRODUCT_NOT_FOUND)}",
        response=response,
    )
    changed = [p["id"] for p in products if _read(client, p) != p]
    if changed and not depends_on(app, "POST", PATH, find("get_unit_of_work")):
        why = f"POST {PATH} does not run in the unit of work: add dependencies=[unit_of_work]"
    else:
        why = (
            "get_unit_of_work must roll back when the route raises: in an `except` around "
            "the `yield` (code after the `yield` does not run when the route raises)"
        )
    expect(
        not changed,
        f"POST {PATH} failed with a 404, yet products {changed} were changed by the changes "
        f"made before it. {why}",
        expected="every product exactly as before the batch",
        response=client.last_response,
    )


@pytest.mark.req("5.4")
def test_every_route_that_writes_runs_in_the_unit_of_work(client, app, data):
    """Every POST, PUT, PATCH and DELETE route declares the get_unit_of_work dependency."""
    product = create_product(client, data)
    _post_batch(client, [(product["id"], data.price())])  # to do while the route is a TODO
    require_unit_of_work(app)
    unit_of_work = find("get_unit_of_work")
    missing = [
        f"{method} {path}"
        for method, path in WRITES
        if not depends_on(app, method, path, unit_of_work)
    ]
    expect(
        not missing,
        f"{', '.join(missing)} {'does' if len(missing) == 1 else 'do'} not run in the unit of "
        "work: add dependencies=[unit_of_work] to the decorator of each route that writes",
        expected="get_unit_of_work among the dependencies of every route that writes",
    )


@pytest.mark.req("5.5")
def test_get_repository_runs_once_per_request(client, app, data):
    """Asked for by a write route and by its unit of work, get_repository runs once."""
    app_repository()
    require_unit_of_work(app)
    counting = Counting(another_repository())
    override(app, "get_repository", counting)
    requests = [
        ("POST", "/products", {"json": new_product(data)}),
        ("POST", PATH, {"json": _batch([(1, data.price())])}),
        ("DELETE", "/products/1", {}),
    ]
    for method, path, arguments in requests:
        counting.calls = 0
        response = client.request(method, path, **arguments)
        expect(
            response.status_code < 400,
            f"{sent(response)} failed with get_repository overridden",
            expected="a success",
            response=response,
        )
        expect(
            counting.calls == 1,
            f"{sent(response)} called get_repository {counting.calls} times: the route and its "
            "unit of work should share one call (FastAPI caches a dependency for the "
            "request, unless it is declared with use_cache=False)"
            if counting.calls
            else f"{sent(response)} never called the overriding get_repository",
            expected="get_repository called once for the request",
            response=response,
        )


@pytest.mark.req("5.5")
def test_the_unit_of_work_protects_the_overriding_repository(client, app, data):
    """With get_repository overridden, a failed batch is undone in the overriding repository."""
    app_repository()
    require_unit_of_work(app)
    other = another_repository()
    products = [seed_product(other, data) for _ in range(data.integer(2, 3))]
    override(app, "get_repository", lambda: other)
    response = _post_batch(client, _failing_batch(data, products))
    expect_status(response, 404, f"POST {PATH} names an unknown product: it should answer 404")
    expect(
        stored(other.products) == products,
        f"POST {PATH} failed with a 404, and its changes stayed in the repository that "
        "get_repository was overridden with: the unit of work took its savepoint of another "
        "repository. get_unit_of_work must take `repository: RepositoryDep` as a parameter "
        "(not call get_repository() or use the module's repository), so that FastAPI hands "
        "it the route's repository",
        expected=f"the overriding repository unchanged: {show(products)}",
        got=f"the overriding repository now holds {show(stored(other.products))}",
        response=response,
    )
