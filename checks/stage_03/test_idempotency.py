"""Stage 3: POST /products honours an Idempotency-Key request header."""

import pytest

from checks.stage_03.shop import expect_products
from checks.support import body_of, expect, expect_header, expect_status, fail, todo
from checks.support.openapi import parameter
from checks.support.shop import IDEMPOTENCY_KEY as HEADER
from checks.support.shop import idempotency_key, new_product


def _post(client, body, key=None):
    headers = {HEADER: key} if key is not None else {}
    response = client.post("/products", json=body, headers=headers)
    expect_status(
        response,
        201,
        "POST /products should create the product (or, for a retry, "
        "answer as the first request did)",
    )
    product = body_of(response)
    expect(
        isinstance(product, dict) and isinstance(product.get("id"), int),
        "POST /products should answer the product with its integer id",
        expected='{"id": <an integer>, …}',
        response=response,
    )
    return response, product


def _explain_a_second_product(app, response):
    """A retry created a new product: not started, or read from the wrong place?"""
    found = parameter(app, "post", "/products", HEADER)
    if found is None:
        todo(f"POST /products does not read an {HEADER} header yet")
    if found.get("in") != "header":
        fail(
            f"POST /products reads idempotency_key from the {found.get('in')}, but clients send "
            f"it as a request header, {HEADER}: …",
            expected="idempotency_key: Annotated[str | None, Header()] = None",
            response=response,
        )
    fail(
        f"POST /products sent again with the same {HEADER} created a second product",
        expected="status 201 and the product created the first time (same id)",
        response=response,
    )


@pytest.mark.req("3.8")
def test_retry_with_the_same_key_creates_nothing(client, app, data):
    """A retry with the same Idempotency-Key answers 201 with the first product; nothing new."""
    key, body = idempotency_key(data), new_product(data)
    first_response, first = _post(client, body, key)
    for attempt in range(2):
        response, again = _post(client, body, key)
        if again["id"] != first["id"]:
            _explain_a_second_product(app, response)
        expect(
            again == first,
            f"retry {attempt + 1} with the same {HEADER} should answer exactly "
            "what the first request did",
            expected=f"{first}",
            response=response,
        )
        expect_header(
            response,
            "location",
            first_response.headers.get("location"),
            about=f"retry {attempt + 1} (the same POST with the same {HEADER})",
        )
    expect_products(client.get("/products"), [first])


@pytest.mark.req("3.8")
def test_new_key_or_no_key_creates_a_product(client, app, data):
    """A different Idempotency-Key, or none, creates a new product each time."""
    body = new_product(data)
    key = idempotency_key(data)
    _, first = _post(client, body, key)
    response, retried = _post(client, body, key)
    if retried["id"] != first["id"]:
        _explain_a_second_product(app, response)
    _, second = _post(client, body, idempotency_key(data))
    _, third = _post(client, body)
    _, fourth = _post(client, body)
    created = [first, second, third, fourth]
    ids = [product["id"] for product in created]
    expect(
        len(set(ids)) == 4,
        f"a new {HEADER}, or none, should create a new product each time; the ids were {ids}",
        expected="four different ids",
    )
    expect_products(client.get("/products"), created)


@pytest.mark.req("3.8")
def test_the_same_key_with_another_body_is_refused(client, app, data):
    """The same Idempotency-Key with a different body answers 422 and creates nothing."""
    key, body = idempotency_key(data), new_product(data)
    _, first = _post(client, body, key)
    response, again = _post(client, body, key)
    if again["id"] != first["id"]:
        _explain_a_second_product(app, response)
    other = {**body, "name": data.product_name()}  # a name not drawn before
    response = client.post("/products", json=other, headers={HEADER: key})
    expect_status(
        response,
        422,
        f"POST /products with an {HEADER} already used for another body is a client's "
        "mistake, not a retry",
    )
    expect(
        body_of(response) == {"detail": "Idempotency-Key was used with a different body"},
        f"the 422 for a reused {HEADER} should say why",
        expected='{"detail": "Idempotency-Key was used with a different body"}',
        response=response,
    )
    expect_products(client.get("/products"), [first])


@pytest.mark.req("3.8")
def test_a_replay_answers_the_product_as_it_is_now(client, app, data):
    """A replay after a price change answers the product as it is now; after a delete, 404."""
    key, body = idempotency_key(data), new_product(data)
    _, first = _post(client, body, key)
    response, again = _post(client, body, key)
    if again["id"] != first["id"]:
        _explain_a_second_product(app, response)
    price = round(body["price"] + data.integer(1, 50), 2)
    changed = client.patch(f"/products/{first['id']}/price", json={"price": price})
    expect_status(changed, 200, "PATCH /products/{id}/price (3.7) should change the price")
    response, replayed = _post(client, body, key)
    expect(
        replayed == {**first, "price": price},
        f"a replay with the same {HEADER} after the price changed should answer the product "
        "as it is now (look it up by the id the key created), not a copy kept from the "
        "first answer",
        expected=f"{ {**first, 'price': price} }",
        response=response,
    )
    deleted = client.delete(f"/products/{first['id']}")
    expect_status(deleted, 204, "DELETE /products/{id} should delete the product")
    response = client.post("/products", json=body, headers={HEADER: key})
    expect(
        response.status_code == 404 and body_of(response) == {"detail": "Product not found"},
        f"a replay with the same {HEADER} after the product was deleted should answer "
        "404: the product it created is gone, and a retry creates nothing",
        expected='status 404 and {"detail": "Product not found"}',
        response=response,
    )
    expect_products(client.get("/products"), [])


@pytest.mark.req("3.8")
def test_an_empty_or_overlong_key_is_refused(client, app, data):
    """An empty Idempotency-Key, or one over 255 characters, answers 422."""
    if parameter(app, "post", "/products", HEADER) is None:
        todo(f"POST /products does not read an {HEADER} header yet")
    _, first = _post(client, new_product(data), idempotency_key(data))
    for bad in ["", "k" * data.integer(256, 400)]:
        response = client.post("/products", json=new_product(data), headers={HEADER: bad})
        expect_status(
            response,
            422,
            f"POST /products with an {HEADER} of {len(bad)} characters: a key is 1–255 "
            "characters (bound it in Header(…))",
        )
    expect_products(client.get("/products"), [first])
