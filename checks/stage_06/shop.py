"""What the stage 6 checks share: stage 4's shop client, taught what SQLAlchemy
errors mean; the database the app writes to, read with the checks' own
connection; how to tell the skeleton's starting state (an app that keeps its
records in memory, with no lifespan) from an app that stores wrongly; and
requests fired all at once at a live server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from checks.stage_04.shop import Shop as Stage4Shop
from checks.stage_04.shop import has_error, new_product, new_user, show
from checks.stage_06.db import TABLES, Database
from checks.support import CheckFailure, body_of, expect, fail, todo
from checks.support.answers import created

if TYPE_CHECKING:
    import httpx2 as httpx
    from fastapi import FastAPI

    from checks.support.live import LiveServer

__all__ = ["Database", "Shop", "new_product", "new_user", "show"]

USERNAME_TAKEN = {"detail": "Username or email already registered"}
NOT_ENOUGH_STOCK = {"detail": "Not enough stock"}
PRODUCT_HAS_ORDERS = {"detail": "Product has orders"}
ORDER_NOT_FOUND = {"detail": "Order not found"}
PRODUCT_NOT_FOUND = {"detail": "Product not found"}


class Shop(Stage4Shop):
    """The learner's shop, called in-process. An exception from SQLAlchemy that
    escapes a route is a 500 for a client; here it becomes a failure that says
    what it usually means."""

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        from sqlalchemy import exc

        try:
            return super().request(method, path, **kwargs)
        except CheckFailure as failure:
            # Stage 4 explains a ValidationError raised in a route; when what
            # broke the validation was a lazy load, say that instead.
            if "MissingGreenlet" not in str(failure.__context__):
                raise
            _missing_greenlet(method, path)
        except exc.MissingGreenlet:
            _missing_greenlet(method, path)
        except exc.IntegrityError as error:
            fail(
                f"{method} {path} crashed (500): the database refused a write "
                f"({_first_line(error.orig)}) and the route let the IntegrityError escape. "
                "Catch it where the write is flushed and answer 409",
                expected="status 409 and a detail that says what clashed",
                got="no response: sqlalchemy.exc.IntegrityError",
            )
        except exc.OperationalError as error:
            text = _first_line(error.orig)
            if "no such table" in text or "does not exist" in text:
                fail(
                    f"{method} {path} crashed (500): {text}. The app's lifespan must create the "
                    "tables at startup (Base.metadata.create_all, through run_sync)",
                    expected="the tables products, users and orders, created at startup",
                    got=f"no response: OperationalError: {text}",
                )
            raise

    # Stage 4's steps, pointing at this stage's requirement when they fail.

    def create_product(self, **fields: Any) -> dict[str, Any]:
        response = self.post("/products", json=new_product(self.data, **fields))
        return created(response, "product", "6.3")

    def create_user(self) -> dict[str, Any]:
        response = self.post("/users", json=new_user(self.data))
        return created(response, "user", "6.3")


def _missing_greenlet(method: str, path: str) -> None:
    fail(
        f"{method} {path} crashed (500) with MissingGreenlet: an attribute was loaded lazily, "
        "outside an await. Most often the session expired its objects at commit "
        "(expire_on_commit=True, the default) and the code read one afterwards: make the "
        "sessions with async_sessionmaker(engine, expire_on_commit=False), and commit once, "
        "in the unit of work, after the route has built its answer",
        expected="an answer from the route, not a lazy load after a commit",
        got="no response: sqlalchemy.exc.MissingGreenlet",
    )


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# --- The skeleton's starting state ----------------------------------------------------------


def has_lifespan(app: FastAPI) -> bool:
    """Whether the app was given a lifespan: FastAPI() without one runs the
    default, which does nothing (whatever class a fresh router's default is)."""
    from fastapi import APIRouter

    default = type(APIRouter().lifespan_context)
    return not isinstance(app.router.lifespan_context, default)


def require_lifespan(app: FastAPI) -> None:
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
    response = shop.post("/products", json=new_product(shop.data, stock=stock))
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


def product_row(
    database: Database, product_id: int, with_stock: bool = True
) -> dict[str, Any] | None:
    columns = "name, price, stock" if with_stock else "name, price"
    rows = database.rows(f"SELECT {columns} FROM products WHERE id = ?", product_id)
    if not rows:
        return None
    row = {"name": rows[0][0], "price": float(rows[0][1])}
    return {**row, "stock": int(rows[0][2])} if with_stock else row


def expect_row(
    database: Database, product: dict[str, Any], after: str, response: Any = None
) -> None:
    """The products table holds `product` (its name, price and, once products have
    one, its stock) as the API showed it."""
    with_stock = "stock" in product
    row = product_row(database, product["id"], with_stock)
    wanted = {key: product.get(key) for key in ("name", "price", "stock")[: 3 if with_stock else 2]}
    if row is None:
        fail(
            f"after {after}, the products table has no row with id {product['id']}",
            expected=f"the row {show(wanted)}",
            response=response,
            got=None if response is not None else "no such row",
        )
    if row != wanted:
        fail(
            f"after {after}, the products table holds product {product['id']} as {show(row)}: "
            "the API and the database disagree",
            expected=f"the row {show(wanted)}",
            response=response,
            got=None if response is not None else f"the row {show(row)}",
        )


def expect_answer(response: httpx.Response, status: int, body: dict[str, Any], why: str) -> None:
    """`status` and exactly `body`."""
    expect(
        response.status_code == status,
        why,
        expected=f"status {status} and {show(body)}",
        response=response,
    )
    expect(
        body_of(response) == body,
        why,
        expected=f"status {status} and {show(body)}",
        response=response,
    )


# --- Requests at a live server ----------------------------------------------------------------


def run(coroutine: Awaitable[Any]) -> Any:
    """Run the checks' own asyncio code (the app is in another process)."""
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def async_client(server: LiveServer, timeout: float = 20) -> Any:
    import httpx2

    return httpx2.AsyncClient(
        base_url=server.url,
        timeout=timeout,
        # Enough connections for every request of a burst at once, and no
        # proxy from the environment between the checks and 127.0.0.1.
        limits=httpx2.Limits(max_connections=200, max_keepalive_connections=200),
        trust_env=False,
    )


async def all_at_once(
    server: LiveServer, calls: list[Callable[[Any], Awaitable[Any]]]
) -> list[Any]:
    """Start every call at once on one client; each result is a response, or
    the exception that stopped it."""
    async with async_client(server) as client:
        return await asyncio.gather(*(call(client) for call in calls), return_exceptions=True)


def statuses(results: list[Any]) -> list[int | str]:
    return [
        result.status_code if hasattr(result, "status_code") else type(result).__name__
        for result in results
    ]


def tally(codes: list[int | str]) -> str:
    counts: dict[str, int] = {}
    for code in codes:
        counts[str(code)] = counts.get(str(code), 0) + 1
    return ", ".join(f"{count} × {code}" for code, count in sorted(counts.items()))


def first_error(results: list[Any], server: LiveServer) -> str:
    """What went wrong with the first failed request, for a report."""
    for result in results:
        if isinstance(result, BaseException):
            return f"{type(result).__name__}: {result}"
        if result.status_code >= 500:
            log = server.log_tail(8)
            return f"{result.status_code} {result.text[:200]}" + (
                f"\nthe server's log ends:\n{log}" if log else ""
            )
    return ""


def elapsed(start: float) -> float:
    return time.monotonic() - start
