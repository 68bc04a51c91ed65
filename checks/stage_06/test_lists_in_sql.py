"""Stage 6: lists are filtered, counted and paged by the database. The checks
fill the tables, then watch the SQL the app sends (through a SQLAlchemy engine
event): a page of 5 must not bring the whole table back to Python."""

from urllib.parse import urlencode

import pytest

from checks.stage_06.shop import shop_in_database, stored_user
from checks.support import expect, expect_header, fail
from checks.support.answers import expect_listed
from checks.support.sql import statements

LIMIT = 5


def _allowed_rows(limit: int) -> int:
    """Rows a page may fetch: the count, the page, each product's few tags, some slack."""
    return 4 * limit + 10


def _fill(app, client, data, database_url):
    """A table of 100-odd products, a few of them named for the search checks."""
    token = data.token(5)
    specials = [
        {"name": f"Straße lamp {token}", "tags": ["outdoor"]},
        {"name": f"ÉCLAIR tin {token}", "tags": ["gift", "kids"]},
        {"name": f"Cable 50% off {token}", "tags": ["sale"]},
        {"name": f"Cable 500 m {token}", "tags": ["sale", "gift"]},
    ]
    shop, _, first = shop_in_database(app, client, data, database_url)
    products = [first]
    for number in range(data.integer(100, 120)):
        fields = specials[number // 25] if number % 25 == 7 and number // 25 < 4 else {}
        products.append(shop.create_product(**fields))
    return shop, products


def _page(products, limit, offset=0):
    return products[offset : offset + limit]


def _expect_in_sql(shop, path, params, matching, table_size):
    """GET path?params lists `matching` (oldest first, paged), says how many in
    X-Total-Count, and fetches about a page of rows, not the table."""
    limit, offset = params.get("limit", 20), params.get("offset", 0)
    with statements() as log:
        response = shop.get(path, params=params)
    query = f"{path}?{urlencode(params, doseq=True)}"
    expect_listed(response, _page(matching, limit, offset), f"GET {query}")
    total = expect_header(response, "X-Total-Count")
    expect(
        total == str(len(matching)),
        f"GET {query} says X-Total-Count: {total}; that many products do not match",
        expected=f"X-Total-Count: {len(matching)} (every match, not just this page)",
        response=response,
    )
    if not log.statements:
        fail(
            f"GET {query} answered without a single SELECT through SQLAlchemy: the list must "
            "come from the database, through the AsyncSession",
            expected="a SELECT … LIMIT for the page and a SELECT count(*) for the total",
            response=response,
        )
    if log.rows > _allowed_rows(limit):
        fail(
            f"GET {query} read {log.rows} rows from the database for a page of {limit}, out "
            f"of a table of {table_size}: the list is filtered, counted or paged in Python. "
            "Let the database do each: WHERE for the filters, select(func.count()) for "
            "X-Total-Count, ORDER BY id with .offset() and .limit() for the page",
            expected=f"at most {_allowed_rows(limit)} rows fetched",
            response=response,
            got=f"{log.rows} rows in {len(log.statements)} statements:\n{log.summary()}",
        )


@pytest.mark.req("6.9")
def test_a_page_reads_a_page(app, client, data, database_url):
    """GET /products?limit=5 (with an offset, a price range, tags) reads a page, counts in SQL."""
    shop, products = _fill(app, client, data, database_url)
    size = len(products)
    _expect_in_sql(shop, "/products", {"limit": LIMIT}, products, size)
    offset = data.integer(size // 3, size // 2)
    _expect_in_sql(shop, "/products", {"limit": LIMIT, "offset": offset}, products, size)

    prices = sorted(product["price"] for product in products)
    low, high = prices[size // 4], prices[size // 2]
    in_range = [p for p in products if low <= p["price"] <= high]
    params = {"min_price": low, "max_price": high, "limit": LIMIT, "offset": 2}
    _expect_in_sql(shop, "/products", params, in_range, size)

    tags = ["sale", "gift"]
    tagged = [p for p in products if set(tags) <= set(p["tags"])]
    _expect_in_sql(shop, "/products", {"tag": tags, "limit": LIMIT}, tagged, size)

    category = products[-1]["category"]
    in_category = [p for p in products if p["category"] == category]
    path = f"/categories/{category}/products"
    _expect_in_sql(shop, path, {"limit": LIMIT, "offset": 1}, in_category, size)


@pytest.mark.req("6.9")
def test_the_search_is_sql_and_folds_every_language(app, client, data, database_url):
    """?q= matches names in any case, in any language ("SS" finds "Straße"), and % is literal."""
    shop, products = _fill(app, client, data, database_url)
    size = len(products)
    # "Straße" casefolds to "strasse" (lower() is not enough); "ÉCLAIR" has a
    # non-ASCII capital, which SQLite's lower() and LIKE leave alone; a % in
    # the term is a character to find, not a LIKE wildcard.
    for term in ("STRASSE", "éclair", "50%", "cable 5"):
        matching = [p for p in products if term.casefold() in p["name"].casefold()]
        _expect_in_sql(shop, "/products", {"q": term, "limit": LIMIT}, matching, size)


@pytest.mark.req("6.9")
def test_users_are_paged_in_sql(app, client, data, database_url):
    """GET /users?limit=2&offset=… reads a page of users, and counts them all in SQL."""
    shop, database, _ = shop_in_database(app, client, data, database_url)
    users = [stored_user(shop, database)] + [shop.create_user() for _ in range(24)]
    for offset in (0, data.integer(5, 20)):
        _expect_in_sql(shop, "/users", {"limit": 2, "offset": offset}, users, len(users))
