"""What the stage 4 checks share: a client for the shop whose requests tell a
route that *returned* an error from one that raised it, random products and
users, 422s read by location, lists compared id by id, and the learner's
repository (the class, and the instance the app keeps its records in)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from checks.support import RandomData, body_of, expect, expect_status, fail, learner, todo
from checks.support.answers import (
    created,
    errors_of,
    expect_ids_in_order,
    has_error,
    sent,
    show,
)

if TYPE_CHECKING:
    import httpx2 as httpx

CATEGORIES = ("books", "electronics", "garden", "kitchen", "toys", "other")
TAGS = ("gift", "outdoor", "sale", "eco", "new", "handmade", "vintage", "kids")
PRODUCT_NOT_FOUND = {"detail": "Product not found"}
USER_NOT_FOUND = {"detail": "User not found"}
# What a product is when a PUT leaves a field out: ProductCreate's defaults.
PRODUCT_DEFAULTS = {"description": None, "category": "other", "tags": []}
MEGABYTE = 1 << 20


# --- Random resources -----------------------------------------------------------------------


def new_product(data: RandomData, **fields: Any) -> dict[str, Any]:
    """A complete, valid product body with every field set, random values."""
    body = {
        "name": data.product_name(),
        "price": data.price(),
        "description": f"{data.choice(('Sturdy', 'Handmade', 'Light', 'Classic'))} {data.token(8)}",
        "category": data.choice(CATEGORIES),
        "tags": sorted({data.choice(TAGS) for _ in range(data.integer(1, 3))}),
    }
    return {**body, **fields}


def new_user(data: RandomData) -> dict[str, str]:
    return {"username": data.username(), "email": data.email(), "password": data.password()}


def public(user: dict[str, str], user_id: int) -> dict[str, Any]:
    """What the API shows of a user: never the password."""
    return {"id": user_id, "username": user["username"], "email": user["email"]}


class Shop:
    """The learner's shop as the checks call it.

    A model built from bad data inside a route (a PATCH that passes None on
    to the repository, say) raises a pydantic ValidationError: the request
    becomes a failure that says which field got what, and why.
    """

    def __init__(self, client: httpx.Client, data: RandomData) -> None:
        self.client = client
        self.data = data

    # Requests ------------------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, expected: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send a request; `expected` says what the check expects, for the report
        when the app crashes instead of answering."""
        try:
            return self.client.request(method, path, **kwargs)
        except ValidationError as error:
            _explain_validation_error(method, path, error, expected)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    # Steps that many checks stand on -------------------------------------------------------

    def create_product(self, **fields: Any) -> dict[str, Any]:
        """POST a random product (with `fields`); returns the created product.

        Any success will do here: requirement 4.2 grades the status and the
        Location header, so a slip there is reported once, not everywhere."""
        body = new_product(self.data, **fields)
        response = self.post("/products", json=body)
        product = created(response, "product", "4.2")
        return product

    def create_products(self, how_many: int, **fields: Any) -> list[dict[str, Any]]:
        return [self.create_product(**fields) for _ in range(how_many)]

    def create_user(self) -> dict[str, Any]:
        """POST a random user; returns the created user (as the API shows it)."""
        response = self.post("/users", json=new_user(self.data))
        return created(response, "user", "4.2")

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

    def collections_with_unknown_ids(
        self,
    ) -> list[tuple[str, list[dict[str, Any]], int, dict[str, str]]]:
        """Two products and a user, stored. For each collection: its path, its
        records, an id none of them has, and the 404 body that id gets."""
        products = self.create_products(2)
        users = [self.create_user()]
        return [
            ("/products", products, self.unknown_id(products), PRODUCT_NOT_FOUND),
            ("/users", users, self.unknown_id(users), USER_NOT_FOUND),
        ]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:40]}… ({len(text):,} characters)"


def _explain_validation_error(
    method: str, path: str, error: ValidationError, expected: str | None
) -> None:
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


# --- Answers ------------------------------------------------------------------------------


def expect_invalid(response: httpx.Response, loc: list[Any], why: str) -> None:
    """A 422 from validation with an error at `loc`."""
    shape = f'status 422 and {{"detail": [{{"loc": {show(loc)}, "msg": …}}, …]}}'
    got = (
        f"{response.status_code} and a body of {len(response.content):,} bytes"
        if len(response.content) > 2_000
        else None
    )
    expect(response.status_code == 422, why, expected=shape, response=response, got=got)
    if not has_error(response, loc):
        found = ", ".join(show(error.get("loc")) for error in errors_of(response))
        fail(
            f"the 422 from {sent(response)} does not point at {show(loc)}"
            + (f"; its errors are at {found}" if found else ""),
            expected=shape,
            response=response,
            got=got,
        )


def expect_listed(
    response: httpx.Response, expected: list[dict[str, Any]], rule: str | None = None
) -> None:
    """The response is the JSON list of exactly these records, in this order, each
    one as it is stored; `rule` says in a few words why these ones."""
    body = expect_ids_in_order(response, expected, "records", rule)
    for item, record in zip(body, expected, strict=True):
        if item != record:
            fail(
                f"{sent(response)} lists record {record['id']} as something else than what "
                "was stored",
                expected=show(record),
                response=response,
            )


def expect_no_body(response: httpx.Response) -> None:
    expect(
        response.content == b"",
        f"{sent(response)} answered 204 with a body: 204 No Content has none, not even null",
        expected="status 204 and an empty body",
        response=response,
    )


def require_query(response: httpx.Response, name: str, requirement: str) -> None:
    """`todo` while the route refuses the query parameter `name` as unknown."""
    if response.status_code == 422 and has_error(response, ["query", name], "extra_forbidden"):
        todo(f"{sent(response)}: the route does not take {name} yet (requirement {requirement})")


# --- The learner's repository -------------------------------------------------------------


def repository_class() -> type:
    return learner.find("Repository", kind="class")


def app_repository() -> Any:
    """The Repository instance the learner's app keeps its records in."""
    cls = repository_class()
    modules = sorted(
        (name, module)
        for name, module in sys.modules.items()
        if module is not None and (name == "app" or name.startswith("app."))
    )
    for _name, module in modules:
        for value in vars(module).values():
            if isinstance(value, cls):
                return value
    fail(
        "your app has no Repository instance: app/main.py should make the one the routes use",
        expected="repository = Repository() in app/main.py",
    )


def as_dict(record: Any, method: str) -> dict[str, Any]:
    """A record the repository handed back, as JSON-like data."""
    if isinstance(record, BaseModel):
        return record.model_dump(mode="json")
    fail(
        f"{method} returned {record!r}, not a record: the repository keeps the public "
        "models (ProductPublic, UserPublic) and hands them back",
        expected="a ProductPublic (or UserPublic) instance",
    )
