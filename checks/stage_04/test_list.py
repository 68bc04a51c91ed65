"""Stage 4: GET /products lists from the repository, in a stable order, with ?q= search."""

import pytest

from checks.stage_04.shop import app_repository, as_dict
from checks.support import expect_status
from checks.support.answers import expect_invalid, expect_listed, require_query
from checks.support.shop import Shop


def _search(shop, path, q, **params):
    response = shop.get(path, params={"q": q, **params})
    require_query(response, "q", "4.4")
    return response


def _fragment(data, name):
    """A piece of `name` (3–6 characters from inside one of its words), with its case
    scrambled: a search must find it whatever the case."""
    return data.search_term(name, 3, 6)


def _matches(products, q):
    return [p for p in products if q.casefold() in p["name"].casefold()]


@pytest.mark.req("4.4")
def test_list_comes_from_the_repository_oldest_first(client, data):
    """GET /products answers what the repository holds, oldest first, each as it is stored."""
    shop = Shop(client, data)
    products = shop.create_products(data.integer(3, 5))
    expect_listed(shop.get("/products"), products, "every product, oldest first")
    # Changes made in the repository show in the list: the route keeps no copy of its own.
    repository = app_repository()
    target = data.choice(products)
    changed = as_dict(
        repository.products.update(target["id"], name=f"Renamed {data.token(6)}"),
        "repository.products.update(…)",
    )
    removed = data.choice([p for p in products if p["id"] != target["id"]])
    repository.products.delete(removed["id"])
    expected = [changed if p["id"] == target["id"] else p for p in products if p is not removed]
    expect_listed(
        shop.get("/products"),
        expected,
        f"product {target['id']} renamed in place and {removed['id']} deleted, in "
        "the app's repository",
    )


@pytest.mark.req("4.4")
def test_order_survives_updates(client, data):
    """A product changed through the repository keeps its place in GET /products."""
    shop = Shop(client, data)
    products = shop.create_products(4)
    repository = app_repository()
    first, _, third, _ = products
    for product in (first, third):
        price = round(product["price"] + data.price(1, 20), 2)
        product.update(
            as_dict(
                repository.products.update(product["id"], price=price),
                "repository.products.update(…)",
            )
        )
    expect_listed(
        shop.get("/products"),
        products,
        "the same order as before the price changes: an update does not move a product to the end",
    )
    response = shop.get("/products", params={"limit": 2, "offset": 1})
    expect_listed(response, products[1:3], "pages stay stable across updates")


@pytest.mark.req("4.4")
def test_search_finds_names_containing_q_ignoring_case(client, data):
    """?q= keeps the products whose name contains q, whatever the case, oldest first."""
    shop = Shop(client, data)
    products = shop.create_products(data.integer(8, 12))
    for _ in range(3):
        q = _fragment(data, data.choice(products)["name"])
        expect_listed(
            _search(shop, "/products", q),
            _matches(products, q),
            f"the products whose name contains {q!r}, ignoring case",
        )
    # One name every run that only casefold() finds ("STRASSE" in "Straße"): the
    # README promises a search that ignores case in every language, not lower().
    word, q = data.folding_pair()
    folded = shop.create_product(name=f"{data.letters(3)} {word} {data.letters(3)}")
    products.append(folded)
    expect_listed(
        _search(shop, "/products", q),
        _matches(products, q),
        f"the products whose name contains {q!r}, ignoring case as casefold() does "
        f"({q.casefold()!r} is in {folded['name'].casefold()!r})",
    )
    q = f"zz{data.token(8)}"
    expect_listed(_search(shop, "/products", q), [], f"no name contains {q!r}")


@pytest.mark.req("4.4")
def test_search_combines_with_filters_and_paging(client, data):
    """?q= works together with min_price, max_price, tag, limit and offset; filter, then page."""
    shop = Shop(client, data)
    word = f"Lamp{data.token(3)}"
    # Half the products carry `word` in their names, in a random case.
    products = [
        shop.create_product(
            name=f"{data.choice((word.upper(), word.lower(), word))} {data.token(4)}"
        )
        if index % 2 == 0
        else shop.create_product()
        for index in range(data.integer(10, 14))
    ]
    q = word.lower()
    named = _matches(products, q)
    prices = sorted(p["price"] for p in named)
    low, high = prices[1], prices[-2]
    expected = [p for p in named if low <= p["price"] <= high]
    response = _search(shop, "/products", q, min_price=low, max_price=high)
    expect_listed(response, expected, f"named like {q!r} and priced {low}–{high}, both included")
    response = _search(shop, "/products", q, min_price=low, max_price=high, limit=2, offset=1)
    expect_listed(response, expected[1:3], "the same products, then skip 1 and take 2")
    tag = data.choice(named)["tags"][0]
    response = _search(shop, "/products", q, tag=tag)
    expect_listed(
        response, [p for p in named if tag in p["tags"]], f"named like {q!r} and tagged {tag!r}"
    )


@pytest.mark.req("4.4")
def test_category_list_searches_too(client, data):
    """GET /categories/{category}/products reads the repository and takes ?q= as well."""
    shop = Shop(client, data)
    products = [
        shop.create_product(category=data.choice(("garden", "kitchen")))
        for _ in range(data.integer(8, 10))
    ]
    category = data.choice(("garden", "kitchen"))
    in_category = [p for p in products if p["category"] == category]
    path = f"/categories/{category}/products"
    expect_listed(shop.get(path), in_category, f"every {category} product, oldest first")
    if not in_category:
        return
    q = _fragment(data, data.choice(in_category)["name"])
    expect_listed(
        _search(shop, path, q),
        _matches(in_category, q),
        f"the {category} products whose name contains {q!r}, ignoring case",
    )


@pytest.mark.req("4.4")
def test_search_text_has_bounds(client, data):
    """?q= takes 1 to 100 characters: an empty q answers 422, 100 characters are fine."""
    shop = Shop(client, data)
    shop.create_product()
    q = data.token(100)
    response = _search(shop, "/products", q)
    expect_status(
        response,
        200,
        "GET /products?q=<100 characters> should be allowed: 100 is "
        "the longest search, not the first one refused",
    )
    response = _search(shop, "/products", "")
    expect_invalid(
        response,
        ["query", "q"],
        "GET /products?q= (empty) should answer 422: a "
        "search needs at least one character (leave q out to list everything)",
    )
