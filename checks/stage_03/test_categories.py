"""Stage 3: products carry a category from a fixed list, with a route per category."""

import pytest

from checks.stage_03.shop import create_product, expect_products
from checks.support import expect_json, expect_status
from checks.support.answers import expect_invalid
from checks.support.shop import CATEGORIES, new_product

# Plausible departments the shop does not have.
NOT_CATEGORIES = ("food", "weapons", "music", "Books", "toy", "GARDEN", "misc")


def _not_a_category(data):
    return data.choice((*NOT_CATEGORIES, data.token(6)))


@pytest.mark.req("3.6")
def test_products_carry_a_category(client, data):
    """POST /products takes "category" and shows it; "other" when none was sent."""
    category = data.choice(CATEGORIES[:-1])
    product = create_product(client, data, category=category)
    response = client.get(f"/products/{product['id']}")
    expect_status(response, 200)
    expect_json(response, {"id": product["id"], "category": category})
    response = client.post("/products", json=new_product(data))
    expect_status(
        response,
        201,
        'POST /products without "category" should still create '
        "the product: clients written before categories existed must keep working",
    )
    expect_json(response, {"category": "other"})


@pytest.mark.req("3.6")
def test_unknown_category_is_refused_in_the_body(client, data):
    """POST /products with a category that is not one of the six answers 422."""
    create_product(client, data, category=data.choice(CATEGORIES))  # "category" is taken at all
    wrong = _not_a_category(data)
    response = client.post("/products", json=new_product(data, category=wrong))
    expect_invalid(
        response,
        ["body", "category"],
        f'POST /products with "category": "{wrong}" '
        f"should answer 422: the categories are {', '.join(CATEGORIES)}",
    )


@pytest.mark.req("3.6")
def test_category_route_lists_its_products(client, data):
    """GET /categories/{category}/products answers that category's products, oldest first."""
    chosen, *others = data.random.sample(CATEGORIES, 3)
    unused = next(c for c in CATEGORIES if c not in (chosen, *others))
    plan = [chosen] * data.integer(3, 5) + [data.choice(others) for _ in range(data.integer(3, 5))]
    data.random.shuffle(plan)
    products = [create_product(client, data, category=category) for category in plan]
    in_chosen = [p for p in products if p["category"] == chosen]
    expect_products(client.get(f"/categories/{chosen}/products"), in_chosen)
    expect_products(client.get(f"/categories/{unused}/products"), [])


@pytest.mark.req("3.6")
def test_category_route_takes_the_list_parameters(client, data):
    """GET /categories/{category}/products pages and filters like GET /products."""
    chosen, other = data.random.sample(CATEGORIES, 2)
    plan = [chosen] * 5 + [other] * 3
    data.random.shuffle(plan)
    products = [create_product(client, data, category=category) for category in plan]
    in_chosen = [p for p in products if p["category"] == chosen]
    response = client.get(f"/categories/{chosen}/products", params={"limit": 2, "offset": 1})
    expect_products(response, in_chosen[1:3])
    cheapest = min(p["price"] for p in in_chosen)
    response = client.get(f"/categories/{chosen}/products", params={"max_price": cheapest})
    expect_products(response, [p for p in in_chosen if p["price"] <= cheapest])


@pytest.mark.req("3.6")
def test_category_route_refuses_unknown_categories(client, data):
    """GET /categories/<not a category>/products answers 422, not an empty list."""
    create_product(client, data, category=data.choice(CATEGORIES))
    wrong = _not_a_category(data)
    response = client.get(f"/categories/{wrong}/products")
    expect_invalid(
        response,
        ["path", "category"],
        f"GET /categories/{wrong}/products should "
        f"answer 422: the categories are {', '.join(CATEGORIES)}",
    )
