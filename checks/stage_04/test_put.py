"""Stage 4: PUT /products/{product_id} replaces the whole product."""

import pytest

from checks.support import body_of, expect_json, expect_status, fail
from checks.support.answers import (
    expect_answer,
    expect_equal,
    expect_invalid,
    expect_listed,
    sent,
    show,
)
from checks.support.shop import PRODUCT_DEFAULTS, PRODUCT_NOT_FOUND, Shop, full_product


def _put(shop, product_id, body):
    response = shop.put(f"/products/{product_id}", json=body)
    if response.status_code == 422:
        fail(
            f"{sent(response)} refused a complete, valid product",
            expected="status 200 and the product as sent, under the same id",
            response=response,
        )
    expect_status(response, 200, f"{sent(response)} should answer 200 with the replaced product")
    return response


@pytest.mark.req("4.6")
def test_put_replaces_every_field(client, data):
    """PUT with a complete body answers 200 with it under the same id, and stores it."""
    shop = Shop(client, data)
    products = shop.create_products(3)
    target = products[1]
    body = full_product(data)
    response = _put(shop, target["id"], body)
    replaced = {**body, "id": target["id"]}
    expect_equal(
        body_of(response),
        replaced,
        f"{sent(response)} does not answer the product as sent, under the same id",
        response=response,
    )
    shop.expect_stored(replaced, f"/products/{target['id']}", f"PUT /products/{target['id']}")
    expect_listed(
        shop.get("/products"),
        [products[0], replaced, products[2]],
        "the replaced product keeps its id and its place; the others are untouched",
    )


@pytest.mark.req("4.6")
def test_fields_left_out_of_a_put_take_their_defaults(client, data):
    """PUT with only name and price resets description, category and tags to their defaults."""
    shop = Shop(client, data)
    product = shop.create_product(category=data.choice(("books", "toys", "garden")))
    body = {"name": data.product_name(), "price": data.price()}
    response = _put(shop, product["id"], body)
    replaced = {**PRODUCT_DEFAULTS, **body, "id": product["id"]}
    if body_of(response) == {**product, **body}:
        fail(
            f"{sent(response)} kept the old description, category and tags: that is a PATCH. "
            "A PUT body is the whole new product, so what it leaves out takes its default",
            expected=show(replaced),
            response=response,
        )
    expect_json(response, replaced, exact=True)
    shop.expect_stored(replaced, f"/products/{product['id']}", f"PUT /products/{product['id']}")


@pytest.mark.req("4.6")
def test_put_without_a_required_field_is_422_and_changes_nothing(client, data):
    """PUT without name or without price answers 422 (loc ["body", <field>]); nothing changes."""
    shop = Shop(client, data)
    product = shop.create_product()
    path = f"/products/{product['id']}"
    for missing in data.random.sample(["name", "price"], 2):
        body = full_product(data)
        del body[missing]
        response = shop.put(path, json=body)
        expect_invalid(
            response,
            ["body", missing],
            f"PUT {path} without {missing} should "
            f"answer 422: a PUT body is a whole product, and {missing} is required "
            "(a partial change is what PATCH is for)",
        )
        shop.expect_stored(product, path, f"a refused PUT without {missing}")


@pytest.mark.req("4.6")
def test_put_cannot_change_the_id(client, data):
    """PUT whose body carries "id" answers 422; the product keeps its id and nothing moves."""
    shop = Shop(client, data)
    product = shop.create_product()
    foreign = product["id"] + data.integer(10, 999)
    path = f"/products/{product['id']}"
    response = shop.put(path, json=full_product(data, id=foreign))
    expect_invalid(
        response,
        ["body", "id"],
        f'PUT {path} with "id": {foreign} in the body '
        "should answer 422: the id is in the path, and the server gave it",
    )
    shop.expect_stored(product, path, "a refused PUT with an id")
    response = shop.get(f"/products/{foreign}")
    expect_status(response, 404, f'a PUT with "id": {foreign} made a product {foreign}')


@pytest.mark.req("4.6")
def test_put_of_an_unknown_product_is_404_and_creates_nothing(client, data):
    """PUT /products/<an id nobody has> answers 404 {"detail": "Product not found"}."""
    shop = Shop(client, data)
    products = shop.create_products(2)
    unknown = shop.unknown_id(products)
    response = shop.put(f"/products/{unknown}", json=full_product(data))
    expect_answer(
        response,
        404,
        PRODUCT_NOT_FOUND,
        f"there is no product {unknown}: PUT should answer 404 (the "
        "server gives ids, so a PUT cannot create one)",
    )
    expect_status(shop.get(f"/products/{unknown}"), 404, f"a PUT made a product {unknown}")
    expect_listed(shop.get("/products"), products, "the refused PUT changed nothing")
