"""Stage 4: oversized input is refused with 422, and nothing is stored."""

import pytest

from checks.stage_04.shop import MEGABYTE
from checks.support.answers import expect_invalid, expect_listed, require_query
from checks.support.shop import Shop, full_product


def _huge_name(data):
    # About 1 MB of ASCII (a multi-byte name would be several).
    return (data.token(19) + " ") * (MEGABYTE // 20)


@pytest.mark.req("4.9")
def test_a_megabyte_name_is_refused_by_every_write(client, data):
    """A name of about 1 MB answers 422 in POST, PUT and PATCH, and nothing is stored."""
    shop = Shop(client, data)
    product = shop.create_product()
    path = f"/products/{product['id']}"
    name = _huge_name(data)
    size = f"{len(name) // 1024:,} kB"
    for method, url, body in data.random.sample(
        [
            ("POST", "/products", full_product(data, name=name)),
            ("PUT", path, full_product(data, name=name)),
            ("PATCH", path, {"name": name}),
        ],
        3,
    ):
        response = shop.request(method, url, json=body, expected="status 422")
        expect_invalid(
            response,
            ["body", "name"],
            f"{method} {url} with a name of {size} "
            "should answer 422: a name has at most 100 characters, in every model "
            "that reads one",
        )
    shop.expect_stored(product, path, "the refused writes")
    expect_listed(shop.get("/products"), [product], "the refused writes stored nothing")


@pytest.mark.req("4.9")
def test_thousands_of_tags_are_refused(client, data):
    """Thousands of tags answer 422 in POST, PUT, PATCH and in ?tag=, and nothing is stored."""
    shop = Shop(client, data)
    product = shop.create_product()
    path = f"/products/{product['id']}"
    tags = [f"t{index}" for index in range(data.integer(2_000, 5_000))]
    for method, url, body in data.random.sample(
        [
            ("POST", "/products", full_product(data, tags=tags)),
            ("PUT", path, full_product(data, tags=tags)),
            ("PATCH", path, {"tags": tags}),
        ],
        3,
    ):
        response = shop.request(method, url, json=body, expected="status 422")
        expect_invalid(
            response,
            ["body", "tags"],
            f"{method} {url} with {len(tags):,} tags "
            "should answer 422: a product has at most 10 tags",
        )
    response = shop.get("/products", params={"tag": tags[:1_000]})
    expect_invalid(
        response,
        ["query", "tag"],
        "GET /products with ?tag= 1,000 times should answer 422: a filter takes at most 10 tags",
    )
    shop.expect_stored(product, path, "the refused writes")
    expect_listed(shop.get("/products"), [product], "the refused writes stored nothing")


@pytest.mark.req("4.9")
def test_a_long_search_is_refused(client, data):
    """?q= longer than 100 characters answers 422."""
    shop = Shop(client, data)
    shop.create_product()
    for length in (101, data.integer(5_000, 20_000)):
        response = shop.get("/products", params={"q": data.token(length)})
        require_query(response, "q", "4.4")
        expect_invalid(
            response,
            ["query", "q"],
            f"GET /products?q=<{length:,} characters> "
            "should answer 422: a search has at most 100 characters",
        )
