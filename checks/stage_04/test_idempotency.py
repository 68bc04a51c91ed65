"""Stage 4: the Idempotency-Key of stage 3 keeps its promises with a repository."""

import pytest

from checks.stage_04.shop import stored_products
from checks.support import body_of, expect, expect_json, expect_status
from checks.support.shop import IDEMPOTENCY_KEY as HEADER
from checks.support.shop import (
    PRODUCT_NOT_FOUND,
    Shop,
    full_product,
    idempotency_key,
)


def _create(shop, body, key):
    response = shop.post("/products", json=body, headers={HEADER: key})
    expect_status(response, 201, f"POST /products with a new {HEADER} should create the product")
    return response, body_of(response)


@pytest.mark.req("4.2")
def test_a_replay_answers_the_stored_product(client, data):
    """A replay answers 201, the same product and Location; another body with that key, 422."""
    shop = Shop(client, data)
    key, body = idempotency_key(data), full_product(data)
    first_response, first = _create(shop, body, key)
    response = shop.post("/products", json=body, headers={HEADER: key})
    expect_status(response, 201, f"a retry with the same {HEADER} answers as the first request")
    expect(
        body_of(response) == first
        and response.headers.get("location") == first_response.headers.get("location"),
        f"a retry with the same {HEADER} should answer the product it created, with the "
        "same Location, and create nothing",
        expected=f"{first} and location: {first_response.headers.get('location')}",
        response=response,
    )
    other = {**body, "price": round(body["price"] + 1, 2)}
    response = shop.post("/products", json=other, headers={HEADER: key})
    expect_status(response, 422, f"the same {HEADER} with another body is refused")
    expect_json(response, {"detail": "Idempotency-Key was used with a different body"})
    # Read from the repository, not GET /products: listing is 4.4's work.
    stored = stored_products()
    expect(
        stored == [first],
        "after a replay and a refused reuse of the key, the repository should hold one product",
        expected=f"repository.products.all() to be [{first}]",
        got=f"repository.products.all() is {stored}",
    )


@pytest.mark.req("4.8")
def test_a_replay_after_a_delete_is_404(client, data):
    """A replay whose product was deleted answers 404 and creates nothing."""
    shop = Shop(client, data)
    key, body = idempotency_key(data), full_product(data)
    _, first = _create(shop, body, key)
    expect_status(shop.delete(f"/products/{first['id']}"), 204, "DELETE should delete it")
    response = shop.post("/products", json=body, headers={HEADER: key})
    expect(
        response.status_code == 404 and body_of(response) == PRODUCT_NOT_FOUND,
        f"a replay with the same {HEADER} after its product was deleted should answer 404 "
        "(look the product up in the repository by the id the key created; a copy kept "
        "with the key outlives the delete)",
        expected='status 404 and {"detail": "Product not found"}',
        response=response,
    )
    expect_status(shop.get("/products"), 200)
    expect(body_of(shop.get("/products")) == [], "the replay should create nothing", expected="[]")
