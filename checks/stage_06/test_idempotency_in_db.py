"""Stage 6: Idempotency-Keys live in the database. A key outlives the process
that saw it (a restart, a second process on the same database), and of ten
requests that bring one new key at once, one creates the product."""

import pytest

from checks.stage_06.shop import shop_in_database
from checks.support import body_of, expect, expect_header, expect_status, fail
from checks.support.answers import expect_answer
from checks.support.bursts import all_at_once, first_error, run, statuses, tally
from checks.support.client import RecordingClient
from checks.support.shop import IDEMPOTENCY_KEY as HEADER
from checks.support.shop import (
    KEY_REUSED,
    PRODUCT_NOT_FOUND,
    full_product,
    idempotency_key,
)


def _replay(post, body, key, first, where):
    """POST again with `key` through `post`: 201, the first product, its Location."""
    response = post("/products", json=body, headers={HEADER: key})
    expect_status(response, 201, f"a retry with the same {HEADER}, {where}, should answer 201")
    again = body_of(response)
    if isinstance(again, dict) and again.get("id") != first["id"]:
        fail(
            f"a retry with the same {HEADER}, {where}, created product {again.get('id')}: the "
            "key was forgotten. Keys kept in process memory vanish with the process, and each "
            "worker has its own: keep them in a table of the database",
            expected=f"status 201 and product {first['id']}, created by the first request",
            response=response,
        )
    expect(
        again == first,
        f"a retry with the same {HEADER}, {where}, should answer the first product",
        expected=str(first),
        response=response,
    )
    expect_header(
        response,
        "location",
        f"/products/{first['id']}",
        about=f"the retry with the same {HEADER}, {where},",
    )


@pytest.mark.req("6.10")
def test_a_key_outlives_its_process(app, client, live_server, reload_app, data, database_url):
    """A key sent to one process is known to another on the same database, and after a restart."""
    shop, database, _ = shop_in_database(app, client, data, database_url)
    body, key = full_product(data), idempotency_key(data)
    response = shop.post("/products", json=body, headers={HEADER: key})
    expect_status(response, 201, f"POST /products with an {HEADER} should answer 201")
    first = body_of(response)
    _replay(shop.post, body, key, first, "sent to a second process (uvicorn) on the same database")

    # The other way round: a key first seen by the live server.
    import httpx2

    with httpx2.Client(base_url=live_server.url, timeout=20, trust_env=False) as http:
        other_body, other_key = full_product(data), idempotency_key(data)
        response = http.post("/products", json=other_body, headers={HEADER: other_key})
        expect_status(response, 201, f"POST /products with an {HEADER} should answer 201")
        other = body_of(response)
    _replay(shop.post, other_body, other_key, other, "after another process created the product")

    with RecordingClient(reload_app()) as restarted:
        _replay(restarted.post, body, key, first, "after a restart of the app")
    message = "three products were created and their keys replayed; the products table holds more"
    database.expect_count("products", 3, message)


@pytest.mark.req("6.10")
def test_a_key_is_kept_to_its_body_and_its_product(app, client, data, database_url):
    """Same key, other body → 422; a replay after a delete → 404; an empty key → 422."""
    shop, _, _ = shop_in_database(app, client, data, database_url)
    body, key = full_product(data), idempotency_key(data)
    response = shop.post("/products", json=body, headers={HEADER: key})
    expect_status(response, 201, f"POST /products with an {HEADER} should answer 201")
    first = body_of(response)
    changed = {**body, "name": data.product_name()}  # a name not drawn before
    response = shop.post("/products", json=changed, headers={HEADER: key})
    expect_answer(
        response, 422, KEY_REUSED, f"the same {HEADER} with another body should answer 422"
    )
    response = shop.delete(f"/products/{first['id']}")
    expect_status(response, 204, f"DELETE /products/{first['id']} should answer 204")
    response = shop.post("/products", json=body, headers={HEADER: key})
    expect_answer(
        response,
        404,
        PRODUCT_NOT_FOUND,
        f"a replay of the {HEADER} whose product was deleted should answer 404, not create "
        "the product again",
    )
    response = shop.post("/products", json=full_product(data), headers={HEADER: ""})
    expect_status(response, 422, f"an empty {HEADER} should be refused with a 422")


@pytest.mark.req("6.10")
@pytest.mark.timeout(40)
def test_ten_at_once_with_one_key_create_one(app, client, live_server, data, database_url):
    """Ten POSTs at once with one new key: ten 201s, one product, one row."""
    _, database, _ = shop_in_database(app, client, data, database_url)
    before = database.count("products")
    body, key = full_product(data), idempotency_key(data)
    results = run(
        all_at_once(
            live_server,
            [lambda http: http.post("/products", json=body, headers={HEADER: key})] * 10,
        )
    )
    codes = statuses(results)
    burst = f"10 × POST /products with one new {HEADER}, all at once, to your app under uvicorn"
    if codes.count(201) != 10:
        fail(
            f"10 POST /products with one {HEADER}, sent at once, got {tally(codes)}. First "
            f"error: {first_error(results, live_server)}",
            expected="10 × 201, each with the one product",
            got=tally(codes),
            sent=burst,
        )
    ids = sorted({result.json().get("id") for result in results})
    created = database.count("products") - before
    if len(ids) != 1 or created != 1:
        fail(
            f"10 POST /products with one new {HEADER}, sent at once, created {created} products "
            f"(ids {ids}): each request looked for the key, found none, and created its own. "
            "Let the database decide: a unique key, claimed with one INSERT … ON CONFLICT DO "
            "NOTHING before the product is created",
            expected="one product, and the same id in all ten answers",
            got=f"{created} new rows; ids {ids}",
            sent=burst,
        )
