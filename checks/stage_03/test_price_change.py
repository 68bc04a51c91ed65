"""Stage 3: PATCH /products/{product_id}/price, with an embedded body and ?dry_run."""

import pytest

from checks.stage_03.shop import create_product
from checks.support import expect, expect_json, expect_status, fail
from checks.support.answers import expect_answer, sent


def _new_price(data, old):
    price = data.price()
    while price == old:
        price = data.price()
    return price


def _patch_price(client, product_id, price, **params):
    """PATCH {"price": price}, expecting 200; a 422 here is most likely a body
    that is not embedded, so the failure says so."""
    response = client.patch(f"/products/{product_id}/price", params=params, json={"price": price})
    if response.status_code == 422:
        fail(
            f'{sent(response)} with the body {{"price": {price}}} answered 422: a single '
            "body parameter expects a bare value unless it is embedded under its name",
            expected="status 200 and the product at its new price",
            response=response,
        )
    expect_status(response, 200)
    return response


def _price_now(client, product_id):
    response = client.get(f"/products/{product_id}")
    expect_status(response, 200, f"GET /products/{product_id} should still find the product")
    return response, response.json().get("price")


@pytest.mark.req("3.7")
def test_price_change_is_stored(client, data):
    """PATCH {"price": x} answers 200 with the repriced product, and GET shows the new price."""
    product = create_product(client, data)
    other = create_product(client, data)
    price = _new_price(data, product["price"])
    response = _patch_price(client, product["id"], price)
    expect_json(response, {**product, "price": price}, exact=True)
    response, stored = _price_now(client, product["id"])
    expect(
        stored == price,
        f"GET /products/{product['id']} still shows the old price after the change",
        expected=f'{{…, "price": {price}}}',
        response=response,
    )
    response, untouched = _price_now(client, other["id"])
    expect(
        untouched == other["price"],
        "changing one product's price changed another's",
        expected=f'{{"id": {other["id"]}, …, "price": {other["price"]}}}',
        response=response,
    )


@pytest.mark.req("3.7")
def test_dry_run_stores_nothing(client, data):
    """With ?dry_run=true the answer shows the new price, but the product keeps the old one."""
    product = create_product(client, data)
    price = _new_price(data, product["price"])
    response = _patch_price(client, product["id"], price, dry_run="true")
    expect_json(response, {**product, "price": price}, exact=True)
    response, stored = _price_now(client, product["id"])
    expect(
        stored == product["price"],
        "a dry run changed the stored price: with ?dry_run=true nothing should be stored",
        expected=f'{{…, "price": {product["price"]}}}',
        response=response,
    )
    _patch_price(client, product["id"], price, dry_run="false")
    response, stored = _price_now(client, product["id"])
    expect(
        stored == price,
        "with ?dry_run=false the new price should be stored",
        expected=f'{{…, "price": {price}}}',
        response=response,
    )


@pytest.mark.req("3.7")
def test_price_body_is_an_object_with_a_positive_price(client, data):
    """A bare number as the body, or a price of 0 or less, answers 422 and changes nothing."""
    product = create_product(client, data)
    path = f"/products/{product['id']}/price"
    response = client.patch(path, json=data.price())
    # The criterion promises a 422, not where the error points: a model
    # body (class PriceChange) reports ["body"], Body(embed=True) ["body", "price"].
    expect_status(
        response,
        422,
        f"PATCH {path} with a bare number as the body "
        'should answer 422: the body is an object, {"price": …}',
    )
    for price in (0, -data.price()):
        response = client.patch(path, json={"price": price})
        expect_status(
            response,
            422,
            f'PATCH {path} with {{"price": {price}}} should answer 422: prices are above 0',
        )
    response, stored = _price_now(client, product["id"])
    expect(
        stored == product["price"],
        "a refused price change still changed the price",
        expected=f'{{…, "price": {product["price"]}}}',
        response=response,
    )


@pytest.mark.req("3.7")
def test_price_change_of_unknown_product_is_404(client, data):
    """PATCH /products/<unknown id>/price answers 404 {"detail": "Product not found"}."""
    product = create_product(client, data)
    unknown = product["id"] + data.integer(1, 9_999)
    response = client.patch(f"/products/{unknown}/price", json={"price": data.price()})
    expect_answer(response, 404, {"detail": "Product not found"})
    response = client.get(f"/products/{unknown}")
    expect_status(response, 404, "a price change must not create a product")
