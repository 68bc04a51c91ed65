"""What is particular to stage 3: products with the fields this stage adds,
created so that a field the model does not take yet is "to do", and product
lists compared id by id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checks.support import RandomData, expect, fail, todo
from checks.support.answers import created, expect_ids_in_order, has_error, show
from checks.support.shop import new_product

if TYPE_CHECKING:
    import httpx2 as httpx

# Where each product field that this stage adds is asked for.
NEW_FIELDS = {"tags": "3.4", "category": "3.6"}


def create_product(
    client: httpx.Client, data: RandomData, *, price: float | None = None, **fields: Any
) -> dict[str, Any]:
    """POST a random product with `fields`; returns the created product.

    When the create model still refuses a field this stage adds, the check that
    needs it is not started yet rather than wrong."""
    body = new_product(data, **fields)
    if price is not None:
        body["price"] = price
    response = client.post("/products", json=body)
    if response.status_code == 422:
        for field in fields:
            if has_error(response, ["body", field], "extra_forbidden"):
                todo(
                    f'POST /products does not take "{field}" yet: ProductCreate has no such field '
                    f"(requirement {NEW_FIELDS.get(field, '3.x')})"
                )
    if response.status_code not in (200, 201):
        fail(
            "POST /products did not create the product, so this cannot be checked yet",
            expected="status 201 and the created product",
            response=response,
        )
    product = created(response, "product")
    for field, value in fields.items():
        expect(
            field in product,
            f'the created product has no "{field}": add it to the fields the products share '
            "(ProductBase), so that the API returns it as well as accepts it",
            expected=f'{{…, "{field}": {show(value)}}}',
            response=response,
        )
        # A list is compared as a collection: a model may keep tags in any order.
        same = (
            sorted(map(str, product[field])) == sorted(map(str, value))
            if isinstance(value, list) and isinstance(product[field], list)
            else product[field] == value
        )
        expect(
            same,
            f'the created product shows "{field}": {show(product[field])}, not what was sent',
            expected=f'{{…, "{field}": {show(value)}}}',
            response=response,
        )
    return product


def create_products(
    client: httpx.Client, data: RandomData, how_many: int, **fields: Any
) -> list[dict[str, Any]]:
    """`how_many` products made by `create_product`, oldest first."""
    return [create_product(client, data, **fields) for _ in range(how_many)]


def expect_products(
    response: httpx.Response, expected: list[dict[str, Any]], rule: str | None = None
) -> None:
    """The response is the JSON list of exactly these products, in this order;
    `rule` says in a few words why these ones."""
    expect_ids_in_order(response, expected, "products", rule)
