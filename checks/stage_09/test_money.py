"""Stage 9, requirement 9.4: v2 keeps money out of floats. A price is a string
with two decimals plus a currency, stored as Numeric(10, 2); v1 shows the same
products with its numeric price."""

from __future__ import annotations

import pytest

from checks.stage_09.shop import ENVIRONMENT, V1, V2, add_product, missing, money, product_body
from checks.support import body_of, expect, fail
from checks.support.accounts import admin
from checks.support.answers import sent, show
from checks.support.database import Database

pytestmark = pytest.mark.env(**ENVIRONMENT)

# Prices that a float gets wrong somewhere between the client and the column.
EXACT = ("0.10", "0.20", "19.99", "99999999.99", "1234567.89", "0.01", "12.50")
# (what is sent, why it is refused)
REFUSED = (
    ("12.345", "three decimal places"),
    (12.345, "three decimal places, as a number"),
    ("0", "zero"),
    (0, "zero, as a number"),
    ("-1", "below zero"),
    ("-0.01", "below zero"),
    ("100000000.00", "nine digits before the point (Numeric(10, 2) holds eight)"),
    (100000000, "nine digits before the point, as a number"),
    ("abc", "not a number"),
    ("", "empty"),
    ("NaN", "not a number"),
    ("Infinity", "infinite"),
    (None, "null"),
)


def _refuses(client, method: str, url: str, body, what: str, boss) -> None:
    response = client.request(method, url, json=body, headers=boss.headers)
    answered = body_of(response) if response.status_code < 300 else None
    changed = answered[0] if isinstance(answered, list) and answered else answered
    price = changed.get("price") if isinstance(changed, dict) else None
    if isinstance(price, int | float) and not isinstance(price, bool):
        missing(
            "9.4",
            f"{sent(response)} with the price {show(body)} was accepted, and answered the price "
            f"as a JSON number ({price}): v2's Money is still a float",
            expected="status 422",
            response=response,
        )
    expect(
        response.status_code == 422,
        f"{sent(response)} with a price that is {what} ({show(body)}) answered "
        f"{response.status_code}: a price has at most two decimal places, is above zero and "
        "fits Numeric(10, 2) (at most 99999999.99)",
        expected="status 422",
        response=response,
    )


def _v2_price(response, wanted: str, what: str) -> dict:
    body = body_of(response)
    price = body.get("price") if isinstance(body, dict) else None
    if isinstance(price, int | float) and not isinstance(price, bool):
        missing(
            "9.4",
            f"{sent(response)} answered the price as a JSON number ({price}): in v2 a price is "
            'a string with exactly two decimals, "12.50", so no client reads it into a float',
            expected=f'"price": "{wanted}"',
            response=response,
        )
    expect(
        price == wanted,
        f"{what}: {sent(response)} answered the price {show(price)}",
        expected=f'"price": "{wanted}" (a string, exactly two decimals)',
        response=response,
    )
    return body


@pytest.mark.req("9.4")
def test_v2_prices_are_exact_two_decimal_strings(client, data):
    """Prices sent as strings (or numbers) come back as "12.50"-style strings, exactly, with EUR."""
    boss = admin(client, prefix=V2, requirement="9.2")
    cases = [(price, price) for price in EXACT] + [(12.5, "12.50"), (7, "7.00"), ("3.1", "3.10")]
    for sent_price, wanted in cases:
        body = product_body(data, v2=True, price=sent_price)
        response = client.post(f"{V2}/products", json=body, headers=boss.headers)
        expect(
            response.status_code == 201,
            f"POST {V2}/products with the price {show(sent_price)} should create the product: a "
            "string or a number with at most two decimals, above zero, up to 99999999.99",
            expected="status 201",
            response=response,
        )
        product = _v2_price(response, wanted, f"the price {show(sent_price)} was sent")
        expect(
            product.get("currency") == "EUR",
            f"POST {V2}/products without a currency answered the currency "
            f"{show(product.get('currency'))}",
            expected='"currency": "EUR" (the default)',
            response=response,
        )
        read = client.get(f"{V2}/products/{product['id']}")
        _v2_price(read, wanted, f"the product was created with {show(sent_price)}")


@pytest.mark.req("9.4")
def test_v2_refuses_prices_that_are_not_money(client, data):
    """More than two decimals, zero or below, over 99999999.99, not a number: 422, everywhere."""
    boss = admin(client, prefix=V2, requirement="9.2")
    product = add_product(client, boss, data, requirement="9.4")
    path = f"{V2}/products/{product['id']}"
    for price, what in REFUSED:
        body = product_body(data, v2=True, price=price)
        _refuses(client, "POST", f"{V2}/products", body, what, boss)
        _refuses(client, "PATCH", f"{path}/price", {"price": price}, what, boss)
        batch = {"changes": [{"product_id": product["id"], "price": price}]}
        _refuses(client, "POST", f"{V2}/products/price-changes", batch, what, boss)
    for currency in ("eur", "EURO", "E1", "", 978):
        body = product_body(data, v2=True, currency=currency)
        response = client.post(f"{V2}/products", json=body, headers=boss.headers)
        expect(
            response.status_code == 422,
            f"POST {V2}/products with the currency {show(currency)} answered "
            f"{response.status_code}: a currency is an ISO 4217 code, three capital letters",
            expected="status 422",
            response=response,
        )
    usd = client.post(
        f"{V2}/products", json=product_body(data, v2=True, currency="USD"), headers=boss.headers
    )
    expect(
        usd.status_code == 201 and body_of(usd).get("currency") == "USD",
        f'POST {V2}/products with the currency "USD" should create a product priced in USD',
        expected='201 and "currency": "USD"',
        response=usd,
    )
    unchanged = client.get(path)
    _v2_price(unchanged, product["price"], "after the refused price changes")


@pytest.mark.req("9.4")
def test_price_changes_and_filters_take_decimals(client, data):
    """PATCH …/price "0.10" then "0.20", price-changes "19.99", min_price/max_price to the cent."""
    boss = admin(client, prefix=V2, requirement="9.2")
    product = add_product(client, boss, data, requirement="9.4")
    path = f"{V2}/products/{product['id']}"
    for price in ("0.10", "0.20"):
        _v2_price(
            client.patch(f"{path}/price", json={"price": price}, headers=boss.headers),
            price,
            f'PATCH …/price {{"price": "{price}"}}',
        )
        _v2_price(client.get(path), price, f'after PATCH …/price {{"price": "{price}"}}')
    batch = {"changes": [{"product_id": product["id"], "price": "19.99"}]}
    response = client.post(f"{V2}/products/price-changes", json=batch, headers=boss.headers)
    changed = body_of(response)
    expect(
        response.status_code == 200
        and isinstance(changed, list)
        and changed[0].get("price") == "19.99",
        f'POST {V2}/products/price-changes with the price "19.99" should answer it, exactly',
        expected='200 [{"price": "19.99", …}]',
        response=response,
    )
    _v2_price(client.get(path), "19.99", "after the price change to 19.99")
    token = data.token(6)
    for price in ("10.00", "10.01", "10.02", "10.03"):
        name = f"{data.product_name(max_length=90)} {token}"
        add_product(client, boss, data, requirement="9.4", name=name, price=price)
    response = client.get(
        f"{V2}/products",
        params={"q": token, "min_price": "10.01", "max_price": "10.02", "limit": 100},
    )
    body = body_of(response)
    items = body.get("items") if isinstance(body, dict) else body
    listed = sorted(item.get("price") for item in items or [] if isinstance(item, dict))
    expect(
        response.status_code == 200 and listed == ["10.01", "10.02"],
        f"{sent(response)} should list exactly the products priced 10.01 and 10.02: the "
        "filters are decimals too, compared in the database",
        expected='the products priced "10.01" and "10.02"',
        response=response,
    )


def _column(database: Database, table: str, column: str) -> str:
    """The declared type of a column, as the database describes it."""
    if database.is_sqlite:
        for row in database.rows(f"PRAGMA table_info({table})"):
            if row[1] == column:
                return str(row[2]).upper().replace(" ", "")
        return ""
    rows = database.rows(
        "SELECT data_type, numeric_precision, numeric_scale, character_maximum_length "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ? AND column_name = ?",
        table,
        column,
    )
    if not rows:
        return ""
    kind, precision, scale, length = rows[0]
    if kind == "numeric":
        return f"NUMERIC({precision},{scale})"
    return f"{kind.upper()}({length})" if length else kind.upper()


@pytest.mark.req("9.4")
def test_prices_are_stored_as_numeric_10_2_and_v1_sees_the_same_products(
    client, data, database_url
):
    """products.price is Numeric(10, 2), currency a String(3); each version shows the other's."""
    database = Database(database_url)
    price_type = _column(database, "products", "price")
    currency_type = _column(database, "products", "currency")
    if not currency_type:
        missing(
            "9.4",
            "the products table has no currency column: app/data/tables.py maps one, "
            "String(3), default 'EUR'",
            expected="products.currency, a String(3)",
            got=f"the columns {', '.join(database.columns('products'))}",
        )
    expect(
        price_type in ("NUMERIC(10,2)", "DECIMAL(10,2)"),
        f"products.price is {price_type or 'missing'}: money is stored as a decimal, "
        "mapped_column(Numeric(10, 2)), never a float (REAL, DOUBLE PRECISION)",
        expected="NUMERIC(10, 2)",
        got=price_type,
    )
    expect(
        currency_type.replace(" ", "")
        in ("VARCHAR(3)", "CHARACTERVARYING(3)", "CHAR(3)", "CHARACTER(3)"),
        f"products.currency is {currency_type}: an ISO 4217 code, three letters",
        expected="VARCHAR(3) (String(3))",
        got=currency_type,
    )
    boss = admin(client, prefix=V2, requirement="9.2")
    in_v2 = add_product(client, boss, data, requirement="9.4", price="19.99")
    response = client.get(f"{V1}/products/{in_v2['id']}")
    seen = body_of(response)
    expect(
        response.status_code == 200
        and seen.get("price") == 19.99
        and seen.get("name") == in_v2["name"],
        f'a product created through v2 at "19.99": {sent(response)} should show it with v1\'s '
        "numeric price",
        expected=f'{{"name": {show(in_v2["name"])}, "price": 19.99, …}}',
        response=response,
    )
    in_v1 = add_product(client, boss, data, prefix=V1, requirement="9.2", price=12.5)
    response = client.get(f"{V2}/products/{in_v1['id']}")
    shown = _v2_price(response, "12.50", "a product created through v1 at 12.5")
    expect(
        shown.get("currency") == "EUR",
        f"a product created through v1: {sent(response)} answered the currency "
        f"{show(shown.get('currency'))}; v1 has no currency, and writes EUR",
        expected='"currency": "EUR"',
        response=response,
    )
    stored = database.rows("SELECT price, currency FROM products WHERE id = ?", in_v1["id"])
    if not stored or money(stored[0][0]) != "12.50" or stored[0][1] != "EUR":
        fail(
            f"the products row of product {in_v1['id']} (created through v1 at 12.5) holds "
            f"{stored}",
            expected="price 12.50, currency 'EUR'",
            got=show([list(map(str, row)) for row in stored]),
        )
