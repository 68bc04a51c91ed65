"""Stage 3: GET /products filters by a price range."""

import pytest

from checks.stage_03.shop import create_product, expect_products
from checks.support.answers import expect_invalid
from checks.support.openapi import require_query_parameter


def _require_price_range(app):
    require_query_parameter(app, "/products", "min_price", "3.3")
    require_query_parameter(app, "/products", "max_price", "3.3")


def _catalogue(client, data, how_many):
    """Products with different prices, created in an order unrelated to price."""
    prices = set()
    while len(prices) < how_many:
        prices.add(data.price(1, 300))
    prices = list(prices)
    data.random.shuffle(prices)
    return [create_product(client, data, price=price) for price in prices]


@pytest.mark.req("3.3")
def test_list_filters_by_price_range(client, app, data):
    """min_price and max_price keep the products within the range, both ends included."""
    _require_price_range(app)
    products = _catalogue(client, data, data.integer(7, 10))
    by_price = sorted(product["price"] for product in products)
    # The bounds are prices of real products, so both ends are put to the test.
    low, high = by_price[data.integer(1, 2)], by_price[-data.integer(2, 3)]

    def within(lowest, highest):
        return [
            p
            for p in products
            if (lowest is None or p["price"] >= lowest)
            and (highest is None or p["price"] <= highest)
        ]

    for query in ({"min_price": low, "max_price": high}, {"min_price": low}, {"max_price": high}):
        response = client.get("/products", params=query)
        expect_products(
            response,
            within(query.get("min_price"), query.get("max_price")),
            "the products priced within the range, both ends included",
        )
    response = client.get("/products", params={"min_price": low, "max_price": low})
    expect_products(response, within(low, low), "both ends of the range are included")


@pytest.mark.req("3.3")
def test_price_range_is_filtered_before_paging(client, app, data):
    """limit and offset page through the products in the range, not through all of them."""
    _require_price_range(app)
    require_query_parameter(app, "/products", "limit", "3.2")
    cheap, dear = data.price(1, 40), data.price(60, 100)
    # The oldest product is out of the range: paging before filtering shows.
    products = [create_product(client, data, price=cheap)]
    for _ in range(data.integer(7, 9)):
        price = data.choice((cheap, dear))
        products.append(create_product(client, data, price=price))
    while sum(p["price"] == dear for p in products) < 3:
        products.append(create_product(client, data, price=dear))
    matching = [p for p in products if p["price"] >= 50]
    response = client.get("/products", params={"min_price": 50, "limit": 2, "offset": 1})
    expect_products(
        response,
        matching[1:3],
        "the second and third products in the range: filter first, then page",
    )


@pytest.mark.req("3.3")
def test_price_bounds_cannot_be_negative(client, app, data):
    """A negative min_price or max_price answers 422."""
    _require_price_range(app)
    for name in ("min_price", "max_price"):
        value = -data.price(1, 50)
        response = client.get("/products", params={name: value})
        expect_invalid(
            response,
            ["query", name],
            f"GET /products?{name}={value} should answer 422: no price is negative",
        )
