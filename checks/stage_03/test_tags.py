"""Stage 3: products carry tags, and GET /products filters by them."""

import pytest

from checks.stage_03.shop import create_product, expect_products
from checks.support import expect, expect_json, expect_status
from checks.support.answers import show
from checks.support.openapi import require_query_parameter
from checks.support.shop import new_product


def _tags(data, how_many):
    tags = set()
    while len(tags) < how_many:
        tags.add(data.token(data.integer(3, 8)))
    return sorted(tags)


@pytest.mark.req("3.4")
def test_products_carry_tags(client, data):
    """POST /products takes "tags" and every product body shows them ([] when none were sent)."""
    tags = _tags(data, data.integer(1, 3))
    product = create_product(client, data, tags=tags)
    response = client.get(f"/products/{product['id']}")
    expect_status(response, 200)
    expect(
        sorted(response.json().get("tags") or []) == tags,
        f"GET /products/{product['id']} should show the tags the product was created with",
        expected=f'{{"id": {product["id"]}, …, "tags": {show(tags)}}}',
        response=response,
    )
    untagged = client.post("/products", json=new_product(data))
    expect_status(untagged, 201, 'POST /products without "tags" should still create the product')
    expect_json(untagged, {"tags": []})
    response = client.get("/products")
    expect_status(response, 200)
    listed = {item.get("id"): item for item in response.json() if isinstance(item, dict)}
    expect(
        sorted(listed.get(product["id"], {}).get("tags") or []) == tags,
        "GET /products should show each product's tags",
        expected=f'{{"id": {product["id"]}, …, "tags": {show(tags)}}} in the list',
        response=response,
    )


@pytest.mark.req("3.4")
def test_tags_are_bounded(client, data):
    """More than 10 tags, or a tag that is empty or longer than 30 characters, answers 422."""
    create_product(client, data, tags=_tags(data, 1))  # "tags" is taken at all
    for tags, what in [
        (_tags(data, 11), "eleven tags"),
        ([data.token(31)], "a tag of 31 characters"),
        ([""], "an empty tag"),
    ]:
        response = client.post("/products", json=new_product(data, tags=tags))
        expect(
            response.status_code == 422,
            f"POST /products should refuse {what} with 422",
            expected='status 422, {"detail": [{"loc": ["body", "tags", …], …}]}',
            response=response,
        )
    response = client.post("/products", json=new_product(data, tags=_tags(data, 10)))
    expect_status(response, 201, "ten tags is the most allowed, and allowed")


@pytest.mark.req("3.4")
def test_list_filters_by_every_tag(client, app, data):
    """GET /products?tag=a&tag=b answers the products carrying every tag given, oldest first."""
    require_query_parameter(app, "/products", "tag", "3.4")
    a, b, c = _tags(data, 3)
    kinds = [[a], [a, b], [b], [], [a, b, c], [c], [b]]
    data.random.shuffle(kinds)
    products = [create_product(client, data, tags=tags) for tags in kinds]

    def carrying(*wanted):
        return [p for p in products if set(wanted) <= set(p["tags"])]

    every = "the products that carry every tag given, oldest first"
    expect_products(client.get("/products", params={"tag": a}), carrying(a), every)
    expect_products(client.get("/products", params={"tag": [a, b]}), carrying(a, b), every)
    expect_products(client.get("/products", params={"tag": [c, a]}), carrying(a, c), every)
    unknown = data.token(9)
    expect_products(client.get("/products", params={"tag": [a, unknown]}), [], every)
    expect_products(client.get("/products"), products)


@pytest.mark.req("3.4")
def test_tags_are_kept_as_sent(client, data):
    """A product's tags come back as they were sent: in that order, a repeated tag twice."""
    first, second = _tags(data, 2)
    tags = [second, first, second]
    product = create_product(client, data, tags=tags)
    expect(
        product.get("tags") == tags,
        "POST /products should answer the tags as they were sent, in their order, with a "
        "tag given twice kept twice (a list, not a set)",
        expected=f'{{"id": {product.get("id")}, …, "tags": {show(tags)}}}',
        got=f'"tags": {show(product.get("tags"))}',
    )
    response = client.get(f"/products/{product['id']}")
    expect_status(response, 200)
    expect(
        response.json().get("tags") == tags,
        f"GET /products/{product['id']} should show the tags as they were sent",
        expected=f'{{"id": {product["id"]}, …, "tags": {show(tags)}}}',
        response=response,
    )


@pytest.mark.req("3.4")
def test_tag_filter_values_are_bounded(client, app, data):
    """?tag= takes up to 10 values of 1–30 characters; beyond, 422."""
    require_query_parameter(app, "/products", "tag", "3.4")
    longest = data.token(30)
    product = create_product(client, data, tags=[longest])
    expect_products(
        client.get("/products", params={"tag": longest}),
        [product],
        "a tag of 30 characters is allowed, in a product and in ?tag=",
    )
    expect_products(
        client.get("/products", params={"tag": _tags(data, 10)}),
        [],
        "ten ?tag= values are the most allowed, and allowed",
    )
    for values, what in [
        ([data.token(31)], "a ?tag= value of 31 characters"),
        ([""], "an empty ?tag= value"),
        (_tags(data, 11), "eleven ?tag= values"),
    ]:
        response = client.get("/products", params={"tag": values})
        expect(
            response.status_code == 422,
            f"GET /products should refuse {what} with 422, as a product's tags are bounded",
            expected='status 422, {"detail": [{"loc": ["query", "tag", …], …}]}',
            response=response,
        )
