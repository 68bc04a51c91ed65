"""Stage 1: an in-memory product catalogue with create, read, list and delete."""

import pytest

from checks.support import body_of, expect, expect_json, expect_status
from checks.support.answers import created, expect_answer, expect_created, expect_no_body

NOT_FOUND = {"detail": "Product not found"}


def create(client, name: str) -> dict:
    """A new product, made with POST /products?name=… for checks that need one.

    Requirement 1.5 judges the details of the answer (201, Location); here any
    success will do, so that a slip there is reported once, not everywhere.
    """
    response = client.post("/products", params={"name": name})
    created(response, "product", "1.5")
    return expect_json(response, {"name": name})


@pytest.mark.req("1.5")
def test_create_answers_201_with_the_product_and_its_location(client, data):
    """POST /products?name=… answers 201, the product, and Location: /products/<id>."""
    name = data.product_name()
    expect_created(client.post("/products", params={"name": name}), {"name": name}, "products")


@pytest.mark.req("1.5")
def test_each_product_gets_its_own_id(client, data):
    """Three creates give three products with three different ids."""
    products = [create(client, data.product_name()) for _ in range(3)]
    ids = [product["id"] for product in products]
    expect(
        len(set(ids)) == len(ids),
        f"three new products got the ids {ids}",
        expected="a different id for each new product",
    )


@pytest.mark.req("1.6")
def test_created_products_can_be_read_back(client, data):
    """GET /products/{product_id} answers 200 with the product that was created."""
    products = [create(client, data.product_name()) for _ in range(2)]
    for product in products:
        expect_answer(client.get(f"/products/{product['id']}"), 200, product)


@pytest.mark.req("1.6")
def test_products_are_listed_oldest_first(client, data):
    """GET /products answers [] at first, then every product in creation order."""
    expect_answer(client.get("/products"), 200, [])
    products = [create(client, data.product_name()) for _ in range(data.integer(2, 4))]
    response = client.get("/products")
    expect_status(response, 200)
    expect_json(response, products)


@pytest.mark.req("1.6")
def test_unknown_product_is_404(client, data):
    """GET /products/<an id nobody created> answers 404 {"detail": "Product not found"}."""
    product_id = data.integer()
    response = client.get(f"/products/{product_id}")
    expect_answer(
        response,
        404,
        NOT_FOUND,
        f"there is no product {product_id}: GET should answer 404, not null",
    )


@pytest.mark.req("1.7")
def test_delete_answers_204_and_the_product_is_gone(client, data):
    """DELETE answers 204 with no body, and GET /products no longer lists the product."""
    product = create(client, data.product_name())
    response = client.delete(f"/products/{product['id']}")
    expect_status(
        response, 204, "DELETE should answer 204 No Content (status_code on the decorator)"
    )
    expect_no_body(response)
    response = client.get("/products")
    expect_status(response, 200)
    expect(
        product not in body_of(response),
        f"after DELETE /products/{product['id']}, GET /products still lists the product",
        expected="a list without the deleted product",
        response=response,
    )


@pytest.mark.req("1.7")
def test_delete_leaves_other_products_and_does_not_reuse_the_id(client, data):
    """Deleting one product keeps the others, and a later create gets a fresh id."""
    first = create(client, data.product_name())
    second = create(client, data.product_name())
    expect_status(client.delete(f"/products/{first['id']}"), 204)
    name = data.product_name()
    third = create(client, name)
    expect(
        third["id"] not in (first["id"], second["id"]),
        f"after deleting product {first['id']}, a new product got the id {third['id']}, "
        "which was already used (count ids, do not derive them from len())",
        expected=f"a new id, neither {first['id']} nor {second['id']}",
    )
    response = client.get("/products")
    expect_status(response, 200)
    expect_json(response, [second, third])
    # The state where a Location built from len() goes wrong: after a delete.
    fourth_response = client.post("/products", params={"name": name + "s"})
    fourth = body_of(fourth_response)
    fourth_id = fourth.get("id") if isinstance(fourth, dict) else "<id>"
    location = fourth_response.headers.get("location", "")
    expect(
        location.rstrip("/").endswith(f"/products/{fourth_id}"),
        f"after a delete, the new product is announced at Location {location!r}: build it "
        "from the new product's id, not from how many products there are",
        expected=f"header location: /products/{fourth_id}",
        response=fourth_response,
    )


@pytest.mark.req("1.7")
def test_deleting_an_unknown_product_is_404(client, data):
    """DELETE /products/<an id nobody created> answers 404 {"detail": "Product not found"}."""
    product_id = data.integer()
    response = client.delete(f"/products/{product_id}")
    expect_answer(
        response, 404, NOT_FOUND, f"there is no product {product_id}: DELETE should answer 404"
    )
