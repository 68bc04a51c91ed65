"""What is particular to stage 6: the answers its README promises, and how to
tell the skeleton's starting state (an app that keeps its records in memory,
with no lifespan) from an app that stores wrongly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checks.support import expect, fail, todo
from checks.support.answers import created, has_error
from checks.support.database import TABLES, Database
from checks.support.shop import Shop, full_product

if TYPE_CHECKING:
    from fastapi import FastAPI

USERNAME_TAKEN = {"detail": "Username or email already registered"}
NOT_ENOUGH_STOCK = {"detail": "Not enough stock"}
PRODUCT_HAS_ORDERS = {"detail": "Product has orders"}


def has_lifespan(app: FastAPI) -> bool:
    """Whether the app was given a lifespan: FastAPI() without one runs the
    default, which does nothing (whatever class a fresh router's default is)."""
    from fastapi import APIRouter

    default = type(APIRouter().lifespan_context)
    return not isinstance(app.router.lifespan_context, default)


def require_lifespan(app: FastAPI) -> None:
    """`todo` while the app has no lifespan (requirement 6.1)."""
    if not has_lifespan(app):
        todo(
            "your app has no lifespan yet, so nothing opens the database at startup: "
            "FastAPI(…, lifespan=lifespan) (requirement 6.1)"
        )


def require_tables(app: FastAPI, database: Database) -> None:
    """`todo` until the app creates its tables (requirement 6.1)."""
    require_lifespan(app)
    missing = sorted(set(TABLES) - database.tables())
    if missing:
        todo(
            f"the database at DATABASE_URL has no table {', '.join(missing)} yet: "
            "the lifespan creates them (requirement 6.1)"
        )


def shop_in_database(
    app: FastAPI, client: Any, data: Any, database_url: str
) -> tuple[Shop, Database, dict[str, Any]]:
    """The shop client, the database, and a first product found in its table:
    `todo` until the app creates its tables and keeps its records there."""
    database = Database(database_url)
    require_tables(app, database)
    shop = Shop(client, data, requirement="6.3")
    return shop, database, stored_product(shop, database)


def stored_product(shop: Shop, database: Database, **fields: Any) -> dict[str, Any]:
    """A product created through the API and found in the products table.

    The skeleton keeps its records in memory (stage 5): then this is `todo`.
    A product that the API answers but the table lacks, and that GET cannot
    find either, was never committed: that is a failure."""
    product = shop.create_product(**fields)
    if database.count("products", "id = ?", product["id"]) == 0:
        response = shop.get(f"/products/{product['id']}")
        if response.status_code == 200:
            todo(
                "the app still keeps its records in memory: POST /products answered product "
                f"{product['id']}, and the products table of the database has no such row "
                "(requirement 6.3)"
            )
        fail(
            f"POST /products answered product {product['id']}, but the products table has no "
            "such row and GET cannot find it: the write was never committed. The unit of "
            "work commits the session when the route succeeds",
            expected=f"a row with id {product['id']} in the products table",
            response=response,
        )
    return product


def stored_user(shop: Shop, database: Database) -> dict[str, Any]:
    """A user created through the API and found in the users table."""
    user = shop.create_user()
    if database.count("users", "id = ?", user["id"]) == 0:
        response = shop.get(f"/users/{user['id']}")
        if response.status_code == 200:
            todo("the app still keeps its users in memory (requirement 6.3)")
        fail(
            f"POST /users answered user {user['id']}, but the users table has no such row "
            "and GET cannot find it: the write was never committed",
            expected=f"a row with id {user['id']} in the users table",
            response=response,
        )
    return user


def product_with_stock(shop: Shop, stock: int) -> dict[str, Any]:
    """A product created with `stock` in the shop; `todo` until products have a stock."""
    response = shop.post("/products", json=full_product(shop.data, stock=stock))
    if has_error(response, ["body", "stock"], "extra_forbidden"):
        todo('products have no stock yet: POST /products refuses "stock" (requirement 6.5)')
    product = created(response, "product", "6.5")
    expect(
        product.get("stock") == stock,
        f'POST /products with "stock": {stock} answered a product with stock '
        f"{product.get('stock')!r}",
        expected=f'"stock": {stock}',
        response=response,
    )
    return product
