"""Stage 5: one Paginator pages every list, with the paging rules of Page."""

import pytest
from fastapi import Response

from checks.stage_05.shop import create_product, create_user, find
from checks.support import body_of, expect, expect_status, fail
from checks.support.answers import sent, show

LISTS = ("/products", "/categories/{category}/products", "/users")


def _require_paginator():
    """To do while Paginator.paginate is still the TODO stub."""
    paginator = find("Paginator", kind="class")(Response())
    paginator.paginate([], find("Page", kind="class")())


def _ids(response):
    body = body_of(response)
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        fail(
            f"{sent(response)} should answer a JSON list", expected="a JSON list", response=response
        )
    return [item.get("id") for item in body]


def _expect_page(response, records, total):
    """A 200 with exactly `records`, and X-Total-Count: `total`."""
    expect_status(response, 200, f"{sent(response)} should answer 200")
    count = response.headers.get("X-Total-Count")
    expect(
        count is not None,
        f"{sent(response)} has no X-Total-Count header: does its route page through "
        "`paginator: PaginatorDep`?",
        expected=f"header x-total-count: {total}",
        response=response,
    )
    expect(
        count == str(total),
        f"{sent(response)} says X-Total-Count: {count}, but {total} records match (the "
        "count is taken before paging: the whole list, not the page)",
        expected=f"header x-total-count: {total}",
        response=response,
    )
    wanted = [record["id"] for record in records]
    got = _ids(response)
    expect(
        got == wanted,
        f"{sent(response)} answered the records {got}",
        expected=f"the records {wanted}, in this order",
        response=response,
    )


@pytest.mark.req("5.6")
def test_every_list_counts_its_records(client, data):
    """The three lists answer X-Total-Count (all matching records) with one page of them."""
    _require_paginator()
    category = data.choice(["books", "garden", "toys"])
    cheap, dear = data.price(1, 50), data.price(200, 400)
    products = [
        create_product(
            client,
            data,
            category=data.choice([category, "other"]),
            price=data.choice([cheap, dear]),
        )
        for _ in range(data.integer(5, 8))
    ]
    users = [create_user(client, data) for _ in range(data.integer(3, 5))]
    limit, offset = data.integer(1, 2), data.integer(0, 2)
    page = {"limit": limit, "offset": offset}

    response = client.get("/products", params=page)
    _expect_page(response, products[offset : offset + limit], len(products))
    matching = [p for p in products if p["price"] >= 100]
    response = client.get("/products", params={**page, "min_price": 100})
    _expect_page(response, matching[offset : offset + limit], len(matching))
    in_category = [p for p in products if p["category"] == category]
    response = client.get(f"/categories/{category}/products", params=page)
    _expect_page(response, in_category[offset : offset + limit], len(in_category))
    response = client.get("/users", params=page)
    _expect_page(response, users[offset : offset + limit], len(users))
    response = client.get("/users", params={"offset": len(users)})
    _expect_page(response, [], len(users))


@pytest.mark.req("5.6")
def test_every_list_keeps_the_same_paging_rules(client, data):
    """limit 1–100 (default 20) and offset ≥ 0 hold on every list; unknown parameters 422."""
    _require_paginator()
    for _ in range(21):
        create_product(client, data, category="kitchen")
        create_user(client, data)
    for path in (p.format(category="kitchen") for p in LISTS):
        response = client.get(path)
        expect_status(response, 200, f"GET {path} should answer 200")
        expect(
            len(_ids(response)) == 20,
            f"GET {path} answered {len(_ids(response))} records: without ?limit=, a page holds 20",
            expected="20 records",
            response=response,
        )
        expect_status(
            client.get(path, params={"limit": 100}),
            200,
            f"GET {path}?limit=100 should be allowed: every list allows 100",
        )
        for name, value in [
            ("limit", 0),
            ("limit", 101),
            ("limit", data.integer(102, 999)),
            ("offset", -data.integer(1, 9)),
            ("limt", 5),
        ]:
            response = client.get(path, params={name: value})
            errors = body_of(response).get("detail") if response.status_code == 422 else None
            expect(
                isinstance(errors, list)
                and any(error.get("loc") == ["query", name] for error in errors),
                f"{sent(response)} should answer 422: every list takes the same limit "
                "(1–100) and offset (≥ 0), and no other parameter",
                expected=f'status 422 and {{"detail": [{{"loc": {show(["query", name])}, …}}]}}',
                response=response,
            )
    page_model = find("Page", kind="class")
    product_filter = find("ProductFilter", kind="class")
    expect(
        issubclass(product_filter, page_model),
        "ProductFilter declares its own limit and offset: make it extend Page "
        "(`class ProductFilter(Page)`), so that the paging rules are written once",
        expected="class ProductFilter(Page)",
    )
