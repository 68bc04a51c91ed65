"""Stage 9, requirement 9.5: every v2 list pages by cursor, a keyset query in
SQL, so that rows created or deleted between two pages neither vanish nor
come back twice."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from checks.stage_09.shop import (
    ENVIRONMENT,
    V2,
    add_product,
    expect_ids,
    ids_of,
    missing,
    order_in_v1,
    page_of,
)
from checks.support import body_of, expect, fail
from checks.support.accounts import admin, member
from checks.support.answers import sent
from checks.support.sql import statements

pytestmark = pytest.mark.env(**ENVIRONMENT)

# Cursors no app hands out: each must be a 422, never a page or a 500.
FORGED = (
    "not-a-cursor",
    "!!!!",
    "e30",  # {} in base64url
    "AAAA",  # three NUL bytes
    "eyJhZnRlciI6ICJ4In0",  # {"after": "x"}
    "12abc",
)
FETCHED_SLACK = 10


def _walk(
    client, url: str, limit: int, headers=None, between=None, total: int = 0
) -> tuple[list[Any], Any]:
    """Every page of `url` with ?limit=; `between(page_number, items)` runs after each page.
    Returns the ids in the order shown, and the last response."""
    shown: list[Any] = []
    cursor = None
    for number in range(1, 200):
        params = {"limit": limit, **({"cursor": cursor} if cursor is not None else {})}
        response = client.get(url, params=params, headers=headers or {})
        expect(
            response.status_code == 200,
            f"{sent(response)} should answer the next page",
            expected="status 200 and a page",
            response=response,
        )
        items, cursor = page_of(response)
        expect(
            len(items) <= limit,
            f"{sent(response)} answered {len(items)} items, more than limit={limit}",
            expected=f"at most {limit} items",
            response=response,
        )
        shown.extend(ids_of(items))
        if cursor is None:
            if number == 1 and len(items) == limit and total > limit:
                missing(
                    "9.5",
                    f"{sent(response)} answered {limit} of the {total} records and "
                    '"next_cursor": null: a page says where the next one starts, as long as '
                    "there is one (fetch limit + 1 rows to know)",
                    expected=f'{limit} items and "next_cursor": "<opaque string>"',
                    response=response,
                )
            return shown, response
        expect(
            cursor != "" and not re.fullmatch(r"-?\d+", cursor),
            f"{sent(response)} answered next_cursor {cursor!r}: a cursor is opaque (base64url "
            "of a small JSON, say), so that clients pass it back rather than build it",
            expected='"next_cursor": "<an opaque string>"',
            response=response,
        )
        if between is not None:
            between(number, items)
    fail(f"{url} kept answering a next_cursor after 200 pages", expected="a last page")


def _expect_a_next_page(response, items: list[Any], cursor: str | None) -> None:
    """A full page of a longer list has a next_cursor (the skeleton's says null)."""
    if cursor is None and items:
        missing(
            "9.5",
            f'{sent(response)} answered a full page of {len(items)} and "next_cursor": null, '
            "though more records follow: a page says where the next one starts",
            expected='"next_cursor": "<opaque string>"',
            response=response,
        )


@pytest.mark.req("9.5")
def test_every_v2_list_is_a_page_walked_by_cursor(client, data):
    """Users, products, a category's, orders, outbox, audit: {items, next_cursor}, each row once."""
    boss = admin(client, prefix=V2, requirement="9.2")
    buyer = member(client, data, prefix=V2)
    for _ in range(4):
        member(client, data, prefix=V2)
    products = [
        add_product(client, boss, data, requirement="9.4", category="toys") for _ in range(5)
    ]
    # Ordered through v1 (the same data layer): v2's POST /orders is 9.9's.
    for product in products:
        order_in_v1(client, buyer, product["id"])
    lists = (
        ("/users", boss.headers),
        ("/products", None),
        ("/categories/toys/products", None),
        ("/orders", buyer.headers),
        ("/outbox", boss.headers),
        ("/audit", boss.headers),
    )
    for path, headers in lists:
        everything = client.get(f"{V2}{path}", params={"limit": 100}, headers=headers or {})
        all_items, cursor = page_of(everything)
        expect(
            cursor is None and len(all_items) >= 5,
            f"{sent(everything)} should list all of the few records, and no next page",
            expected='{"items": [… at least 5 …], "next_cursor": null}',
            response=everything,
        )
        wanted = sorted(ids_of(all_items))
        expect(
            ids_of(all_items) == wanted,
            f"{sent(everything)} does not list the records oldest first (by id)",
            expected=f"the ids {wanted}",
            response=everything,
        )
        # One at a time on one list (the edge of the bound), two at a time on every list.
        for limit in (1, 2) if path == "/products" else (2,):
            shown, last = _walk(client, f"{V2}{path}", limit, headers, total=len(wanted))
            expect_ids(last, shown, wanted, f"walking GET {V2}{path} {limit} at a time")


@pytest.mark.req("9.5")
def test_rows_deleted_or_created_between_pages_are_neither_skipped_nor_repeated(client, data):
    """Deleting a row already seen, or one still to come, and creating one, between pages."""
    boss = admin(client, prefix=V2, requirement="9.2")
    products = [add_product(client, boss, data, requirement="9.4") for _ in range(9)]
    ids = [product["id"] for product in products]
    deleted: list[int] = []
    created: list[int] = []

    def meanwhile(number: int, items: list[Any]) -> None:
        if number == 1:
            seen, ahead = items[0]["id"], ids[-1]
            for gone in (seen, ahead):  # one already shown, one still to come
                response = client.delete(f"{V2}/products/{gone}", headers=boss.headers)
                expect(
                    response.status_code == 204,
                    f"{sent(response)} should delete it",
                    expected="204",
                    response=response,
                )
                deleted.append(gone)
            created.append(add_product(client, boss, data, requirement="9.4")["id"])

    shown, last = _walk(client, f"{V2}/products", 3, between=meanwhile, total=len(ids))
    first_page = ids[:3]
    wanted = first_page + [i for i in ids[3:] + created if i not in deleted]
    if shown != wanted and len(shown) < len(wanted):
        skipped = [i for i in wanted if i not in shown]
        fail(
            f"after product {deleted[0]}, already shown on page 1, was deleted, the next pages "
            f"never showed {skipped}: an offset counts from the start, so every row after the "
            "deleted one moves up and one is jumped over. Page by cursor: the next page is "
            "WHERE id > <the last id shown> ORDER BY id LIMIT …",
            expected=f"the ids {wanted}, each once",
            got=f"the ids {shown}",
            response=last,
        )
    expect_ids(
        last, shown, wanted, "walking GET /api/v2/products 3 at a time while rows came and went"
    )
    users = [member(client, data, prefix=V2) for _ in range(4)]
    first = client.get(f"{V2}/users", params={"limit": 2}, headers=boss.headers)
    items, cursor = page_of(first)
    _expect_a_next_page(first, items, cursor)
    expect(
        cursor is not None,
        f"{sent(first)} should have a next page",
        expected="a next_cursor",
        response=first,
    )
    gone = items[-1]["id"]
    response = client.delete(f"{V2}/users/{gone}", headers=boss.headers)
    expect(
        response.status_code == 204,
        f"{sent(response)} should delete the user",
        expected="204",
        response=response,
    )
    rest = client.get(f"{V2}/users", params={"limit": 100, "cursor": cursor}, headers=boss.headers)
    later, _ = page_of(rest)
    all_users = sorted({*ids_of(items), *(u.id for u in users)})
    wanted = [i for i in all_users if i > gone]
    expect_ids(rest, ids_of(later), wanted, "the page of users after a deleted user's cursor")


@pytest.mark.req("9.5")
def test_a_page_is_one_keyset_query_and_a_bad_cursor_is_422(app, client, data):
    """A later page fetches a page of rows, not the table; limit 1-100 (20); bad cursors are 422."""
    boss = admin(client, prefix=V2, requirement="9.2")
    products = [add_product(client, boss, data, requirement="9.4") for _ in range(30)]
    first = client.get(f"{V2}/products")
    items, cursor = page_of(first)
    _expect_a_next_page(first, items, cursor)
    expect(
        len(items) == 20 and cursor is not None,
        f"{sent(first)} without a limit answered {len(items)} items: limit defaults to 20",
        expected="20 items and a next_cursor",
        response=first,
    )
    expect_ids(first, ids_of(items), [p["id"] for p in products[:20]], f"GET {V2}/products")
    with statements() as log:
        later = client.get(f"{V2}/products", params={"limit": 5, "cursor": cursor})
    items, _ = page_of(later)
    expect_ids(
        later, ids_of(items), [p["id"] for p in products[20:25]], f"GET {V2}/products after 20"
    )
    fetched = log.rows
    if fetched > 3 * 5 + FETCHED_SLACK:
        shown = log.summary()
        fail(
            f"{sent(later)} fetched {fetched} rows from the database for a page of 5 out of "
            f"{len(products)}: the page is one keyset query in SQL, WHERE id > <the cursor's id> "
            "ORDER BY id LIMIT 6, not a filter in Python over every row",
            expected=f"at most {3 * 5 + FETCHED_SLACK} rows fetched",
            got=shown,
            response=later,
        )
    for limit in (0, 101, -1):
        response = client.get(f"{V2}/products", params={"limit": limit})
        expect(
            response.status_code == 422,
            f"{sent(response)} answered {response.status_code}: limit is 1 to 100",
            expected="status 422",
            response=response,
        )
    response = client.get(f"{V2}/products", params={"limit": 100})
    items, cursor = page_of(response)
    expect_ids(response, ids_of(items), [p["id"] for p in products], f"GET {V2}/products?limit=100")
    expect(
        cursor is None,
        f"{sent(response)} listed every product, and still answered a next_cursor: the last "
        "page says so with null (fetch limit + 1 rows to know whether there is a next one)",
        expected='"next_cursor": null',
        response=response,
    )
    _bad_cursors_and_offsets(app, client)


def _bad_cursors_and_offsets(app, client) -> None:
    """Forged cursors answer 422; ?offset= is refused (422) or ignored; no v2 list takes offset."""
    real = page_of(client.get(f"{V2}/products", params={"limit": 1}))[1]
    tampered = (real or "")[:-2] if real else "x"
    for cursor in (*FORGED, tampered, base64.urlsafe_b64encode(b"\xff\xfe junk").decode()):
        response = client.get(f"{V2}/products", params={"cursor": cursor})
        expect(
            response.status_code == 422,
            f"{sent(response)} answered {response.status_code}: a cursor that does not decode "
            "is the client's mistake, a 422 (catch the decoding error; never a 500, never a page)",
            expected="status 422",
            response=response,
        )
    plain = client.get(f"{V2}/products", params={"limit": 2})
    offset = client.get(f"{V2}/products", params={"limit": 2, "offset": 1})
    if offset.status_code != 422:
        expect(
            offset.status_code == 200 and body_of(offset) == body_of(plain),
            f"{sent(offset)} answered another page than without offset: v2 pages by cursor "
            'only (refuse offset with 422, extra="forbid")',
            expected="status 422, or the same page as without offset",
            response=offset,
        )
    schema = app.openapi()
    lists = [
        (path, item["get"])
        for path, item in schema.get("paths", {}).items()
        if path.startswith(V2 + "/")
        and "get" in item
        and "{" not in path.rsplit("/", 1)[-1]
        and path not in (f"{V2}/users/me", f"{V2}/openapi.json", f"{V2}/docs")
    ]
    for path, operation in lists:
        names = {p.get("name") for p in operation.get("parameters", [])}
        if "offset" in names:
            missing(
                "9.5",
                f"GET {path} takes an offset parameter: v2 lists page by cursor",
                expected="limit and cursor, no offset",
                got=", ".join(sorted(n for n in names if n)),
            )
        expect(
            {"limit", "cursor"} <= names,
            f"GET {path} does not document limit and cursor as query parameters",
            expected="the query parameters limit and cursor",
            got=", ".join(sorted(n for n in names if n)) or "none",
        )
