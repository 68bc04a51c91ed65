"""Stage 2: the ProductCreate model turns bad input into FastAPI's 422."""

import pytest

from checks.stage_02.shop import expect_accepted, expect_rejected, new_product


def _bad_name_empty(data):
    return "", "an empty name"


def _bad_name_long(data):
    return data.token(101), "a 101-character name"


def _bad_price_zero(data):
    return 0, "a price of 0"


def _bad_price_negative(data):
    price = -data.price()
    return price, f"a price of {price}"


def _bad_description_long(data):
    return data.token(501), "a 501-character description"


INVALID = [
    ("name", _bad_name_empty),
    ("name", _bad_name_long),
    ("price", _bad_price_zero),
    ("price", _bad_price_negative),
    ("description", _bad_description_long),
]
AT_THE_LIMITS = [(1, 0.01, 500), (100, 0.5, 0)]


# Invalid bodies store nothing, so the cases share one app: one check, many requests.
@pytest.mark.req("2.6")
def test_invalid_product_is_422(client, data):
    """POST /products with one invalid field answers 422 with an error at ["body", field]."""
    for field, bad in INVALID:
        body = new_product(data)
        body[field], what = bad(data)
        expect_rejected(client.post("/products", json=body), field, what)


@pytest.mark.req("2.6")
def test_product_at_the_limits_is_accepted(client, data):
    """Names of 1 or 100 characters, a price just above 0, a 500-character description pass."""
    for name_length, price, description_length in AT_THE_LIMITS:
        body = {"name": data.token(name_length), "price": price}
        if description_length:
            body["description"] = data.token(description_length)
        what = f"a {name_length}-character name with a price of {price}" + (
            f" and a {description_length}-character description" if description_length else ""
        )
        expect_accepted(client.post("/products", json=body), what)
