"""Stage 4: GET one product or one user, from the repository; 404 and 422 otherwise."""

import pytest

from checks.stage_04.shop import app_repository, as_dict, collections_with_unknown_ids
from checks.support.answers import expect_answer, expect_equal, expect_invalid
from checks.support.shop import PRODUCT_NOT_FOUND, Shop, full_product


@pytest.mark.req("4.3")
def test_each_product_and_user_is_read_back(client, data):
    """GET /products/{id} and GET /users/{id} answer 200 with exactly the stored record."""
    shop = Shop(client, data)
    products = shop.create_products(data.integer(2, 4))
    users = [shop.create_user() for _ in range(2)]
    for product in data.random.sample(products, len(products)):
        shop.expect_stored(product, f"/products/{product['id']}", "POST /products")
    for user in reversed(users):
        shop.expect_stored(user, f"/users/{user['id']}", "POST /users")


@pytest.mark.req("4.3")
def test_a_product_is_read_from_the_repository(client, data):
    """A product put into the app's repository directly is what GET /products/{id} answers."""
    shop = Shop(client, data)
    shop.create_product()
    body = full_product(data)
    record = as_dict(app_repository().products.add(**body), "repository.products.add(…)")
    response, answered = shop.read(
        f"/products/{record['id']}",
        f"GET /products/{record['id']} should find a product that is in the app's repository",
    )
    expect_equal(
        answered,
        record,
        f"GET /products/{record['id']} does not answer the product the "
        "repository holds: read_product should use repository.products.get(…)",
        response=response,
    )


@pytest.mark.req("4.3")
def test_unknown_ids_are_404_with_a_detail(client, data):
    """An id nobody has answers 404 with {"detail": "Product not found"} or "User not found"."""
    shop = Shop(client, data)
    collections = collections_with_unknown_ids(shop)
    for path, _known, unknown, detail in collections:
        response = shop.get(f"{path}/{unknown}")
        expect_answer(
            response,
            404,
            detail,
            f"there is no record {unknown}: GET {path}/{unknown} should "
            "answer 404, not a 200 with null",
        )
    # A deleted id is unknown too, and its neighbours are still there.
    products = collections[0][1]
    gone = products[0]
    app_repository().products.delete(gone["id"])
    response = shop.get(f"/products/{gone['id']}")
    expect_answer(
        response,
        404,
        PRODUCT_NOT_FOUND,
        f"product {gone['id']} is no longer in the repository: GET should answer 404",
    )
    shop.expect_stored(products[1], f"/products/{products[1]['id']}", "deleting another product")


@pytest.mark.req("4.3")
def test_ids_that_are_not_integers_are_422(client, data):
    """GET /products/<a word> and GET /users/<a word> answer 422 at loc ["path", <name>]."""
    shop = Shop(client, data)
    product = shop.create_product()
    for path, name in (("/products", "product_id"), ("/users", "user_id")):
        word = data.token(5) + "x"  # letters in it, so never a valid integer
        response = shop.get(f"{path}/{word}")
        expect_invalid(
            response, ["path", name], f"GET {path}/{word} should answer 422: ids are integers"
        )
    shop.expect_stored(product, f"/products/{product['id']}", "the refused reads")
