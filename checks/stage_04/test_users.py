"""Stage 4: GET /users lists the users, one bounded page at a time."""

import pytest

from checks.support import expect_status
from checks.support.answers import expect_invalid, expect_listed
from checks.support.shop import Shop


@pytest.mark.req("4.5")
def test_users_are_listed_oldest_first(client, data):
    """GET /users answers [] at first, then every user (no password), oldest first."""
    shop = Shop(client, data)
    expect_listed(shop.get("/users"), [], "no user has been created yet")
    users = [shop.create_user() for _ in range(data.integer(3, 5))]
    expect_listed(shop.get("/users"), users, "every user, oldest first, as POST /users showed it")


@pytest.mark.req("4.5")
def test_users_page_with_limit_and_offset(client, data):
    """?limit= and ?offset= skip `offset` users and answer at most `limit`; 20 by default."""
    shop = Shop(client, data)
    users = [shop.create_user() for _ in range(20 + data.integer(1, 5))]
    expect_listed(shop.get("/users"), users[:20], "the default limit is 20")
    limit, offset = data.integer(2, 5), data.integer(1, 6)
    response = shop.get("/users", params={"limit": limit, "offset": offset})
    expect_listed(
        response,
        users[offset : offset + limit],
        f"skip {offset}, then at most {limit}, oldest first",
    )
    offset = len(users) - data.integer(1, limit - 1)
    response = shop.get("/users", params={"limit": limit, "offset": offset})
    expect_listed(response, users[offset:], "a page that runs past the end is short")
    response = shop.get("/users", params={"offset": len(users) + data.integer(0, 5)})
    expect_listed(response, [], "a page past the end is empty")
    response = shop.get("/users", params={"limit": 100})
    expect_listed(response, users, "limit=100 is allowed: it is the largest page")


@pytest.mark.req("4.5")
def test_users_paging_is_bounded(client, data):
    """limit outside 1–100, a negative offset or an unknown parameter answer 422."""
    shop = Shop(client, data)
    shop.create_user()
    expect_status(shop.get("/users"), 200, "GET /users should answer 200 with the users")
    for name, value, why in [
        ("limit", 0, "a page of no users is a client's mistake"),
        (
            "limit",
            100 + data.integer(1, 100_000),
            "the upper bound keeps one request from fetching every user there is",
        ),
        ("limit", -data.integer(1, 50), "a negative limit makes no sense"),
        ("offset", -data.integer(1, 50), "a negative offset makes no sense"),
    ]:
        response = shop.get("/users", params={name: value})
        expect_invalid(
            response, ["query", name], f"GET /users?{name}={value} should answer 422: {why}"
        )
    unknown = data.choice(("limt", "ofset", "page", "size"))
    response = shop.get("/users", params={unknown: data.integer(1, 9)})
    expect_invalid(
        response,
        ["query", unknown],
        f"GET /users?{unknown}=… should answer 422: "
        'an unknown parameter is a client\'s mistake (extra="forbid" on Page)',
    )
