"""Stage 3: GET /products pages with limit and offset."""

import pytest

from checks.stage_03.shop import create_products, expect_products
from checks.support import expect_status
from checks.support.answers import expect_invalid
from checks.support.openapi import require_query_parameter


def _require_paging(app):
    require_query_parameter(app, "/products", "limit", "3.2")
    require_query_parameter(app, "/products", "offset", "3.2")


@pytest.mark.req("3.2")
def test_list_answers_twenty_by_default(client, app, data):
    """With no parameters, GET /products answers the 20 oldest products."""
    _require_paging(app)
    products = create_products(client, data, 20 + data.integer(1, 6))
    expect_products(client.get("/products"), products[:20], "the default limit is 20")


@pytest.mark.req("3.2")
def test_list_pages_with_limit_and_offset(client, app, data):
    """?limit=&offset= skip `offset` products and answer at most `limit`, oldest first."""
    _require_paging(app)
    products = create_products(client, data, data.integer(8, 12))
    limit, offset = data.integer(2, 4), data.integer(1, 3)
    response = client.get("/products", params={"limit": limit, "offset": offset})
    expect_products(
        response,
        products[offset : offset + limit],
        f"skip {offset}, then at most {limit}, oldest first",
    )
    # A page that runs past the end is short, and one past the end is empty.
    offset = len(products) - data.integer(1, limit - 1)
    response = client.get("/products", params={"limit": limit, "offset": offset})
    expect_products(response, products[offset:])
    response = client.get("/products", params={"offset": len(products) + data.integer(0, 5)})
    expect_products(response, [])
    # offset alone keeps the default limit; limit alone starts at the oldest.
    response = client.get("/products", params={"offset": offset - 1})
    expect_products(response, products[offset - 1 :])
    response = client.get("/products", params={"limit": limit})
    expect_products(response, products[:limit])


@pytest.mark.req("3.2")
def test_list_refuses_paging_out_of_range(client, app, data):
    """limit outside 1–100 or a negative offset answer 422; limit=100 is allowed."""
    _require_paging(app)
    for name, value, why in [
        ("limit", 0, "a page of no products is a client's mistake"),
        ("limit", -data.integer(1, 50), "a negative limit makes no sense"),
        (
            "limit",
            100 + data.integer(1, 900),
            "the upper bound keeps one request from fetching the whole catalogue",
        ),
        ("offset", -data.integer(1, 50), "a negative offset makes no sense"),
    ]:
        response = client.get("/products", params={name: value})
        expect_invalid(
            response, ["query", name], f"GET /products?{name}={value} should answer 422: {why}"
        )
    response = client.get("/products", params={"limit": 100})
    expect_status(
        response,
        200,
        "GET /products?limit=100 should be allowed: 100 is the "
        "largest page, not the first one refused",
    )
