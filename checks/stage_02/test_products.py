"""Stage 2: products take a JSON body and come back as ProductPublic."""

import pytest

from checks.stage_02.shop import (
    PRODUCT_FIELDS,
    create_product,
    expect_id,
    expect_record,
    new_product,
)
from checks.support import body_of, expect, expect_json, expect_status
from checks.support.answers import expect_answer, expect_location, show

PRODUCT_SHAPE = '{"id": <an integer>, "name": …, "price": …, "description": …}'
NOT_FOUND = {"detail": "Product not found"}


@pytest.mark.req("2.5")
def test_create_product_answers_201_with_the_product(client, data):
    """POST /products with a JSON body answers 201 with the product and its Location."""
    sent = new_product(data)
    response = client.post("/products", json=sent)
    expect_status(response, 201, "POST /products should answer 201 Created with the new product")
    body = expect_json(response, sent)
    product_id = expect_id(response, body, PRODUCT_SHAPE)
    expect(
        set(body) == PRODUCT_FIELDS,
        f"the product in the response has the keys {show(sorted(body))}",
        expected=f"exactly the keys {show(sorted(PRODUCT_FIELDS))}",
        response=response,
    )
    expect_location(response, f"/products/{product_id}")


@pytest.mark.req("2.5")
def test_description_is_optional(client, data):
    """A product sent without a description is created with "description": null."""
    sent = new_product(data, description=False)
    response = client.post("/products", json=sent)
    expect_status(
        response, 201, "POST /products should create a product sent without a description"
    )
    expect_json(response, {**sent, "description": None})


@pytest.mark.req("2.5")
def test_created_products_can_be_read_back_and_listed(client, data):
    """GET /products/{product_id} and GET /products return the products as created."""
    products = [
        create_product(client, data, description=index % 2 == 0)[1]
        for index in range(data.integer(2, 3))
    ]
    for product in products:
        response = client.get(f"/products/{product['id']}")
        expect_status(
            response, 200, f"product {product['id']} was just created: GET should find it"
        )
        expect_record(response, product, "ProductPublic")
    response = client.get("/products")
    expect_status(response, 200)
    listed = body_of(response)
    if isinstance(listed, list) and len(listed) == len(products):
        for item, product in zip(listed, products, strict=True):
            missing = sorted(set(product) - set(item)) if isinstance(item, dict) else []
            expect(
                not missing,
                f"GET /products leaves out {', '.join(missing)}: "
                "its return type should be list[ProductPublic]",
                expected=show(products),
                response=response,
            )
    expect_json(response, products)
    missing = products[-1]["id"] + data.integer(1, 1000)
    response = client.get(f"/products/{missing}")
    expect_answer(response, 404, NOT_FOUND, f"there is no product {missing}: GET should answer 404")
