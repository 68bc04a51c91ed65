"""The shop as the checks use it: request bodies drawn from the check's random
data, the records the stage READMEs promise, and `Shop`, a client that makes
the records a check stands on and reads them back, through the API and from
the database.

Each stage's models promise more fields as the workbook goes on; the bodies
here build what a stage shares with the others, and a check adds the fields
its stage asks for (`new_product(data, stock=5)`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from pydantic import ValidationError

from checks.support.answers import created, show
from checks.support.failures import CheckFailure, body_of, expect_status, fail

if TYPE_CHECKING:
    import httpx2 as httpx

    from checks.support.data import RandomData
    from checks.support.database import Database

CATEGORIES = ("books", "electronics", "garden", "kitchen", "toys", "other")
TAGS = ("gift", "outdoor", "sale", "eco", "new", "handmade", "vintage", "kids")
PRODUCT_NOT_FOUND = {"detail": "Product not found"}
USER_NOT_FOUND = {"detail": "User not found"}
ORDER_NOT_FOUND = {"detail": "Order not found"}
# What a product is when a PUT leaves a field out: ProductCreate's defaults.
PRODUCT_DEFAULTS = {"description": None, "category": "other", "tags": []}
IDEMPOTENCY_KEY = "Idempotency-Key"
KEY_REUSED = {"detail": "Idempotency-Key was used with a different body"}


# --- Request bodies ---------------------------------------------------------------------------


def new_user(data: RandomData) -> dict[str, str]:
    """A valid sign-up body: random username, email and password."""
    return {"username": data.username(), "email": data.email(), "password": data.password()}


def new_product(data: RandomData, **fields: Any) -> dict[str, Any]:
    """A product body with a random name and price, and any `fields` given."""
    return {"name": data.product_name(), "price": data.price(), **fields}


def full_product(data: RandomData, **fields: Any) -> dict[str, Any]:
    """A product body with every field of stages 3–5 set (description, category,
    tags), random values; `fields` add to them or replace them."""
    body = {
        "name": data.product_name(),
        "price": data.price(),
        "description": f"{data.choice(('Sturdy', 'Handmade', 'Light', 'Classic'))} {data.token(8)}",
        "category": data.choice(CATEGORIES),
        "tags": sorted({data.choice(TAGS) for _ in range(data.integer(1, 3))}),
    }
    return {**body, **fields}


def idempotency_key(data: RandomData) -> str:
    """A fresh Idempotency-Key value: two random tokens, dash-joined."""
    return f"{data.token(8)}-{data.token(8)}"


def public(user: dict[str, str], user_id: Any) -> dict[str, Any]:
    """What the API shows of a user it was sent: never the password."""
    return {"id": user_id, "username": user["username"], "email": user["email"]}


# --- The client -------------------------------------------------------------------------------


class Shop:
    """The learner's shop as the checks call it, in-process.

    An exception that escapes a route is a 500 for a client; here it becomes a
    failure that says what it usually means: a pydantic ValidationError raised
    inside a route (a PATCH that passed None on to a model), and from stage 6
    on SQLAlchemy's MissingGreenlet, IntegrityError and a missing table.

    `requirement` names the requirement that grades creating records, for the
    report when a step a check stands on fails; `product` builds the body of
    `create_product`; `prefix` goes before every path (say "/api/v2").
    """

    def __init__(
        self,
        client: httpx.Client,
        data: RandomData,
        *,
        requirement: str = "4.2",
        product: Callable[..., dict[str, Any]] = full_product,
        prefix: str = "",
    ) -> None:
        self.client = client
        self.data = data
        self.requirement = requirement
        self.product = product
        self.prefix = prefix

    # Requests ----------------------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, expected: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send a request; `expected` says what the check expects, for the report
        when the app crashes instead of answering."""
        try:
            return self.client.request(method, self.prefix + path, **kwargs)
        except ValidationError as error:
            # A lazy load that broke the model's validation is SQLAlchemy's story.
            if "MissingGreenlet" in str(error):
                _missing_greenlet(method, path)
            _explain_validation_error(method, path, error, expected)
        except CheckFailure:
            raise
        except Exception as error:
            if not type(error).__module__.startswith("sqlalchemy"):
                raise
            _explain_database_error(method, path, error)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET `path` through `request`."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        """POST `path` through `request`."""
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        """PUT `path` through `request`."""
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        """PATCH `path` through `request`."""
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        """DELETE `path` through `request`."""
        return self.request("DELETE", path, **kwargs)

    # Steps that many checks stand on -----------------------------------------------------------

    def create_product(self, **fields: Any) -> dict[str, Any]:
        """POST a random product (with `fields`); returns the created product.

        Any success will do here: `requirement` grades the status and the
        Location header, so a slip there is reported once, not everywhere."""
        response = self.post("/products", json=self.product(self.data, **fields))
        return created(response, "product", self.requirement)

    def create_products(self, how_many: int, **fields: Any) -> list[dict[str, Any]]:
        """`how_many` products made by `create_product`, oldest first."""
        return [self.create_product(**fields) for _ in range(how_many)]

    def create_user(self) -> dict[str, Any]:
        """POST a random user; returns the created user (as the API shows it)."""
        response = self.post("/users", json=new_user(self.data))
        return created(response, "user", self.requirement)

    def create_order(self, product_id: int, quantity: int = 1) -> dict[str, Any]:
        """POST /orders for `quantity` of a product; returns the created order."""
        body = {"product_id": product_id, "quantity": quantity}
        return created(self.post("/orders", json=body), "order", self.requirement)

    def read(self, path: str, why: str | None = None) -> tuple[httpx.Response, Any]:
        """GET `path`, expecting 200; returns the response and its JSON body."""
        response = self.get(path)
        expect_status(response, 200, why or f"GET {path} should answer 200")
        return response, body_of(response)

    def expect_stored(self, record: dict[str, Any], path: str, after: str) -> None:
        """GET `path` answers exactly `record`: what a write answered was stored."""
        response, body = self.read(path, f"after {after}, GET {path} should still find it")
        if body != record:
            wrong = sorted(
                key
                for key in set(record) | set(body if isinstance(body, dict) else {})
                if not isinstance(body, dict) or body.get(key, ...) != record.get(key, ...)
            )
            fail(
                f"after {after}, GET {path} answers something else than what was stored"
                + (f" (different: {', '.join(wrong)})" if wrong else ""),
                expected=show(record),
                response=response,
            )

    def unknown_id(self, known: list[dict[str, Any]]) -> int:
        """An id that no record in `known` has, above them all."""
        return max((record["id"] for record in known), default=0) + self.data.integer(1, 9_999)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:40]}… ({len(text):,} characters)"


def _explain_validation_error(
    method: str, path: str, error: ValidationError, expected: str | None
) -> NoReturn:
    """A model was built from bad data inside a route: most often a field that
    the client left out (or sent as null) reached the repository as None."""
    problems = [item for item in error.errors() if isinstance(item, dict)]
    nulls = sorted(
        {str(item["loc"][-1]) for item in problems if item.get("loc") and item.get("input") is None}
    )
    lines = "; ".join(
        f"{'.'.join(map(str, item.get('loc', ())))}: {item.get('msg')} "
        f"(got {_short(item.get('input'))})"
        for item in problems[:4]
    )
    advice = (
        f" None reached {', '.join(nulls)}: a field the client left out must not be passed on "
        "(model_dump(exclude_unset=True)), and a field that cannot be null must refuse null "
        "with a 422 before the route runs."
        if nulls
        else " The route let through a value its model should have refused with a 422."
    )
    fail(
        f"{method} {path} crashed (500): your code raised a ValidationError for "
        f"{error.title}: {lines}.{advice}",
        expected=expected or "an answer: the record, or a 4xx status that says why not",
        got="no response: your code raised ValidationError",
    )


def _missing_greenlet(method: str, path: str) -> NoReturn:
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


def _explain_database_error(method: str, path: str, error: Exception) -> None:
    """What SQLAlchemy's error, escaped from a route, usually means; re-raised
    when it is none of those."""
    from sqlalchemy import exc  # loaded already: the error came from it

    if isinstance(error, exc.MissingGreenlet):
        _missing_greenlet(method, path)
    if isinstance(error, exc.IntegrityError):
        fail(
            f"{method} {path} crashed (500): the database refused a write "
            f"({_first_line(error.orig)}) and the route let the IntegrityError escape. "
            "Catch it where the write is flushed and answer 409",
            expected="status 409 and a detail that says what clashed",
            got="no response: sqlalchemy.exc.IntegrityError",
        )
    if isinstance(error, exc.OperationalError):
        text = _first_line(error.orig)
        if "no such table" in text or "does not exist" in text:
            fail(
                f"{method} {path} crashed (500): {text}. The app's lifespan must create the "
                "tables at startup (Base.metadata.create_all, through run_sync)",
                expected="the tables products, users and orders, created at startup",
                got=f"no response: OperationalError: {text}",
            )
    raise error


# --- Read back from the database --------------------------------------------------------------


def product_row(
    database: Database, product_id: int, with_stock: bool = True
) -> dict[str, Any] | None:
    """The products row of `product_id` as {"name", "price"(, "stock")}, or None."""
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
