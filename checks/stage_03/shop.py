"""What the stage 3 checks share: products made of random data, 422 errors read
by location, product lists compared id by id, and the OpenAPI schema and
signatures read to tell "not started yet" from "wrong"."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, params
from pydantic import BaseModel

from checks.support import RandomData, body_of, expect, fail, todo
from checks.support.answers import errors_of, expect_ids_in_order, has_error, sent, show
from checks.support.structure import route_for

if TYPE_CHECKING:
    import httpx2 as httpx

CATEGORIES = ("books", "electronics", "garden", "kitchen", "toys", "other")
# Where each product field that this stage adds is asked for.
NEW_FIELDS = {"tags": "3.4", "category": "3.6"}


def expect_invalid(
    response: httpx.Response, loc: list[Any], why: str, error_type: str | None = None
) -> None:
    """A 422 from validation with an error at `loc` (of `error_type` when given)."""
    kind = f', "type": "{error_type}"' if error_type else ""
    shape = f'status 422 and {{"detail": [{{"loc": {show(loc)}{kind}, "msg": …}}, …]}}'
    expect(response.status_code == 422, why, expected=shape, response=response)
    if not has_error(response, loc, error_type):
        found = ", ".join(
            f"{show(error.get('loc'))} ({error.get('type')})" for error in errors_of(response)
        )
        fail(
            f"the 422 from {sent(response)} does not point at {show(loc)}"
            + (f' with type "{error_type}"' if error_type else "")
            + (f"; its errors are at {found}" if found else ""),
            expected=shape,
            response=response,
        )


def new_product(data: RandomData, **fields: Any) -> dict[str, Any]:
    return {"name": data.product_name(), "price": data.price(), **fields}


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
    product = body_of(response)
    expect(
        isinstance(product, dict) and isinstance(product.get("id"), int),
        "POST /products should answer the created product with its integer id",
        expected='{"id": <an integer>, "name": …, "price": …, …}',
        response=response,
    )
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
    return [create_product(client, data, **fields) for _ in range(how_many)]


def expect_products(
    response: httpx.Response, expected: list[dict[str, Any]], rule: str | None = None
) -> None:
    """The response is the JSON list of exactly these products, in this order;
    `rule` says in a few words why these ones."""
    expect_ids_in_order(response, expected, "products", rule)


# --- Reading the app itself, for "not started yet" -------------------------------------------


def operation(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    return app.openapi().get("paths", {}).get(path, {}).get(method.lower(), {})


def _normal(name: str) -> str:
    return name.lower().replace("_", "-")


def parameter(app: FastAPI, method: str, path: str, name: str) -> dict[str, Any] | None:
    """The operation's documented parameter called `name` (any location; `_` and
    `-` alike, any case), or None."""
    for candidate in operation(app, method, path).get("parameters", []):
        if _normal(candidate.get("name", "")) == _normal(name):
            return candidate
    return None


def require_query_parameter(app: FastAPI, path: str, name: str, requirement: str) -> None:
    """`todo` while GET `path` has no `name` query parameter, `fail` when it reads
    `name` from somewhere else."""
    found = parameter(app, "get", path, name)
    if found is not None and found.get("in") == "query":
        return
    if found is not None:
        fail(
            f"GET {path} reads {name} from the {found.get('in')}, not from the query string",
            expected=f"GET {path}?{name}=… to be a query parameter",
        )
    if "requestBody" in operation(app, "get", path):
        fail(
            f"GET {path} expects a request body: a parameter typed as a list (or a model) "
            "comes from the body unless it is declared with Query()",
            expected=f"GET {path}?{name}=… to be a query parameter",
        )
    todo(f"GET {path} does not take a {name} query parameter yet (requirement {requirement})")


def takes_query_model(app: FastAPI, method: str, path: str) -> bool:
    """Whether the operation's function has a parameter `Annotated[SomeModel, Query()]`."""
    route = route_for(app, method, path)
    if route is None:
        return False
    try:
        hints = typing.get_type_hints(route.endpoint, include_extras=True)
    except Exception:  # a hint that does not resolve: no model we can see
        return False
    for name, hint in hints.items():
        if name == "return" or typing.get_origin(hint) is not Annotated:
            continue
        base, *metadata = typing.get_args(hint)
        if (
            isinstance(base, type)
            and issubclass(base, BaseModel)
            and any(isinstance(item, params.Query) for item in metadata)
        ):
            return True
    return False
