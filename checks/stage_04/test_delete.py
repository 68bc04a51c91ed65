"""Stage 4: DELETE a product or a user: 204, gone, and 404 the second time."""

import pytest

from checks.stage_04.shop import collections_with_unknown_ids
from checks.support import expect_status
from checks.support.answers import expect_answer, expect_listed, expect_no_body
from checks.support.shop import PRODUCT_NOT_FOUND, USER_NOT_FOUND, Shop


def _delete_and_check(shop, path, gone, others, not_found):
    response = shop.delete(f"{path}/{gone['id']}")
    expect_status(
        response,
        204,
        f"DELETE {path}/{gone['id']} should answer 204 No Content (status_code on the decorator)",
    )
    expect_no_body(response)
    response = shop.get(f"{path}/{gone['id']}")
    expect_answer(
        response,
        404,
        not_found,
        f"after DELETE {path}/{gone['id']}, GET should answer 404: the record is gone",
    )
    expect_listed(shop.get(path), others, f"every record but {gone['id']}, oldest first")
    for other in others:
        shop.expect_stored(other, f"{path}/{other['id']}", f"DELETE {path}/{gone['id']}")
    response = shop.delete(f"{path}/{gone['id']}")
    expect_answer(
        response,
        404,
        not_found,
        f"DELETE {path}/{gone['id']} a second time should answer 404: "
        "there is nothing left to delete",
    )


@pytest.mark.req("4.8")
def test_deleting_a_product(client, data):
    """DELETE /products/{id}: 204 and no body; then GET 404, not listed; again 404."""
    shop = Shop(client, data)
    products = shop.create_products(data.integer(3, 5))
    gone = data.choice(products)
    _delete_and_check(
        shop, "/products", gone, [p for p in products if p is not gone], PRODUCT_NOT_FOUND
    )


@pytest.mark.req("4.8")
def test_deleting_a_user(client, data):
    """DELETE /users/{id}: 204 and no body; then GET 404, not listed; again 404."""
    shop = Shop(client, data)
    users = [shop.create_user() for _ in range(data.integer(3, 4))]
    gone = data.choice(users)
    _delete_and_check(shop, "/users", gone, [u for u in users if u is not gone], USER_NOT_FOUND)


@pytest.mark.req("4.8")
def test_deleting_what_nobody_has_is_404(client, data):
    """DELETE of an id nobody has answers 404 with the detail, and deletes nothing."""
    shop = Shop(client, data)
    for path, known, unknown, detail in collections_with_unknown_ids(shop):
        response = shop.delete(f"{path}/{unknown}")
        expect_answer(
            response,
            404,
            detail,
            f"there is no record {unknown}: DELETE {path}/{unknown} should answer 404",
        )
        expect_listed(shop.get(path), known, "the refused DELETE removed nothing")
