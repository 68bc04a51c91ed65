"""Stage 4: PATCH /products/{product_id} changes only the fields sent."""

import pytest

from checks.support import body_of, expect_status, fail
from checks.support.answers import (
    expect_answer,
    expect_equal,
    expect_invalid,
    expect_listed,
    sent,
    show,
)
from checks.support.shop import CATEGORIES, PRODUCT_NOT_FOUND, TAGS, Shop


def _patch(shop, product, changes):
    """PATCH `changes`, expect 200 with the product with exactly those changes; returns it."""
    path = f"/products/{product['id']}"
    expected = {**product, **changes}
    response = shop.patch(path, json=changes, expected=f"status 200 and {show(expected)}")
    if response.status_code == 422:
        fail(
            f"PATCH {path} refused {show(changes)}: every field of a PATCH body is optional",
            expected=f"status 200 and {show(expected)}",
            response=response,
        )
    expect_status(response, 200, f"PATCH {path} should answer 200 with the whole product")
    body = body_of(response)
    if isinstance(body, dict) and body != expected:
        wiped = sorted(k for k in product if k not in changes and body.get(k) != product[k])
        if wiped:
            fail(
                f"PATCH {path} with {show(changes)} also changed {', '.join(wiped)}, which were "
                "not sent: read the body with model_dump(exclude_unset=True), so that only the "
                "fields the client sent are changed",
                expected=show(expected),
                response=response,
            )
        fail(
            f"PATCH {path} with {show(changes)} did not apply the changes",
            expected=show(expected),
            response=response,
        )
    shop.expect_stored(expected, path, f"PATCH {path} with {show(changes)}")
    return expected


def _other_value(data, product, field):
    if field == "name":
        return f"{data.product_name(max_length=97)} v2"
    if field == "price":
        return round(product["price"] + data.price(1, 50), 2)
    if field == "description":
        return f"Now {data.token(10)}"
    if field == "category":
        return data.choice([c for c in CATEGORIES if c != product["category"]])
    return sorted({data.choice(TAGS) for _ in range(3)} - set(product["tags"])) or ["fresh"]


@pytest.mark.req("4.7")
def test_patch_changes_only_the_fields_sent(client, data):
    """Each PATCH changes the fields in its body, keeps every other one, and is stored."""
    shop = Shop(client, data)
    products = shop.create_products(3)
    target = products[1]
    for field in data.random.sample(["name", "price", "description", "category", "tags"], 5):
        target = _patch(shop, target, {field: _other_value(data, target, field)})
    fields = data.random.sample(["name", "price", "description", "category", "tags"], 2)
    target = _patch(shop, target, {f: _other_value(data, target, f) for f in fields})
    expect_listed(
        shop.get("/products"),
        [products[0], target, products[2]],
        "the patched product keeps its id and its place; the others are untouched",
    )


@pytest.mark.req("4.7")
def test_an_empty_patch_changes_nothing(client, data):
    """PATCH {} answers 200 with the product as it was."""
    shop = Shop(client, data)
    product = shop.create_product()
    _patch(shop, product, {})


@pytest.mark.req("4.7")
def test_null_clears_the_description_only(client, data):
    """ "description": null clears it; null for name, price, category or tags answers 422."""
    shop = Shop(client, data)
    product = shop.create_product()
    path = f"/products/{product['id']}"
    for field in data.random.sample(["name", "price", "category", "tags"], 4):
        response = shop.patch(
            path, json={field: None}, expected=f'status 422 with an error at ["body", "{field}"]'
        )
        expect_invalid(
            response,
            ["body", field],
            f'PATCH {path} with {{"{field}": null}} '
            f"should answer 422: every product has a {field}, so it can be left "
            "out of a PATCH but not set to null",
        )
        shop.expect_stored(product, path, f"a refused PATCH with {field} null")
    _patch(shop, product, {"description": None})


@pytest.mark.req("4.7")
def test_patch_has_the_bounds_of_a_create(client, data):
    """An empty name, a price of 0, an unknown category or key, a long description: 422."""
    shop = Shop(client, data)
    product = shop.create_product()
    path = f"/products/{product['id']}"
    for field, value, why in data.random.sample(
        [
            ("name", "", "a name has 1–100 characters"),
            ("price", 0, "a price is above 0"),
            ("price", -data.price(), "a price is above 0"),
            ("category", f"food{data.token(3)}", "a category is one of the Category values"),
            ("description", "d" * 501, "a description has at most 500 characters"),
            ("tags", [""], "a tag has 1–30 characters"),
            ("id", product["id"] + data.integer(1, 99), "the id is the server's to give"),
            ("colour", data.token(5), "a PATCH body takes the product's fields and nothing else"),
        ],
        8,
    ):
        response = shop.patch(path, json={field: value}, expected="status 422")
        # Only the 422 is promised, not the loc of the error (a validator of
        # the whole model reports ["body"]).
        expect_status(
            response, 422, f"PATCH {path} with {show({field: value})} should answer 422: {why}"
        )
    shop.expect_stored(product, path, "the refused PATCHes")


@pytest.mark.req("4.7")
def test_patch_of_an_unknown_product_is_404(client, data):
    """PATCH /products/<an id nobody has> answers 404 {"detail": "Product not found"}."""
    shop = Shop(client, data)
    products = shop.create_products(2)
    unknown = shop.unknown_id(products)
    response = shop.patch(f"/products/{unknown}", json={"price": data.price()})
    expect_answer(
        response, 404, PRODUCT_NOT_FOUND, f"there is no product {unknown}: PATCH should answer 404"
    )
    expect_listed(shop.get("/products"), products, "the refused PATCH changed nothing")


@pytest.mark.req("4.7")
def test_price_route_stores_through_the_repository(client, data):
    """PATCH /products/{id}/price stores the new price (not with ?dry_run=true), and 404s."""
    shop = Shop(client, data)
    product = shop.create_product()
    path = f"/products/{product['id']}"
    price = round(product["price"] + data.price(1, 30), 2)
    response = shop.patch(f"{path}/price", params={"dry_run": "true"}, json={"price": price})
    expect_answer(response, 200, {**product, "price": price}, f"{sent(response)} should answer 200")
    shop.expect_stored(product, path, "a dry run")
    response = shop.patch(f"{path}/price", json={"price": price})
    expect_status(response, 200, f"{sent(response)} should answer 200")
    shop.expect_stored({**product, "price": price}, path, f"PATCH {path}/price")
    unknown = shop.unknown_id([product])
    for params in ({}, {"dry_run": "true"}):
        response = shop.patch(f"/products/{unknown}/price", params=params, json={"price": price})
        expect_status(
            response, 404, f"there is no product {unknown}: {sent(response)} should answer 404"
        )
        expect_equal(
            body_of(response),
            PRODUCT_NOT_FOUND,
            f"{sent(response)} should answer 404 with its detail",
            response=response,
        )
