"""What the stage 5 checks share: the learner's dependencies found by the names
the README gives them, repositories made and filled outside the app (to hand to
it through `app.dependency_overrides`), random products, and a look at which
dependencies each route declares, to tell "not wired yet" from "wrong"."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from checks.support import (
    RandomData,
    body_of,
    expect,
    expect_status,
    fail,
    learner,
    structure,
    todo,
)

if TYPE_CHECKING:
    import httpx2 as httpx

CATEGORIES = ("books", "electronics", "garden", "kitchen", "toys", "other")
PRODUCT_NOT_FOUND = {"detail": "Product not found"}

# The routes that write, which all run in the unit of work (5.4).
WRITES = (
    ("POST", "/users"),
    ("DELETE", "/users/{user_id}"),
    ("POST", "/products"),
    ("PUT", "/products/{product_id}"),
    ("PATCH", "/products/{product_id}"),
    ("DELETE", "/products/{product_id}"),
    ("PATCH", "/products/{product_id}/price"),
    ("POST", "/products/price-changes"),
)


def show(value: Any) -> str:
    """A value as it looks in a JSON body."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def sent(response: httpx.Response) -> str:
    """`GET /products?limit=3`: the request as a learner would type it."""
    request = response.request
    return f"{request.method} {str(request.url.raw_path, 'ascii')}"


# --- The learner's names ----------------------------------------------------------------------


# The modules the README puts the dependencies in. Until main.py imports them,
# nothing else does: import them here, so that their TODOs can speak.
MODULES = ("app.settings", "app.dependencies", "app.middleware")


def find(name: str, *, kind: str = "function") -> Any:
    """The learner's object called `name`, in any module of their app package."""
    for module in MODULES:
        if module not in sys.modules:
            with contextlib.suppress(ModuleNotFoundError):
                importlib.import_module(module)
    return learner.find(name, kind=kind)


def call(name: str, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's function `name`. Its TODO stub raises
    NotImplementedError("TODO …"), which the grader reports as "to do". An
    `async def` dependency (get_repository may be one) is run to its result."""
    result = find(name)(*args, **kwargs)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    return result


def repository_class() -> type:
    return find("Repository", kind="class")


def app_repository() -> Any:
    """The app's own repository, from get_repository() (to do while it is a TODO)."""
    repository = call("get_repository")
    cls = repository_class()
    expect(
        isinstance(repository, cls),
        f"get_repository() returned {type(repository).__name__}, not a Repository",
        expected="the app's one Repository instance",
    )
    return repository


def another_repository() -> Any:
    """A new, empty Repository, to hand to the app instead of its own."""
    return repository_class()()


def override(app: FastAPI, name: str, replacement: Callable[[], Any]) -> None:
    app.dependency_overrides[find(name)] = replacement


class Counting:
    """A stand-in for a dependency that counts how often FastAPI calls it."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.value


# --- Routes and what they depend on ------------------------------------------------------------


def depends_on(app: FastAPI, method: str, path: str, function: Callable[..., Any]) -> bool:
    """Whether METHOD path runs `function` as a dependency: its own, its router's
    (`APIRouter(dependencies=…)`) or the app's."""
    found = structure.route_for(app, method, path)
    return found is not None and structure.depends_on(found, function)


# --- Products and users ------------------------------------------------------------------------


def new_product(data: RandomData, **fields: Any) -> dict[str, Any]:
    """A valid product body with random values."""
    body = {
        "name": data.product_name(),
        "price": data.price(),
        "category": data.choice(CATEGORIES),
    }
    return {**body, **fields}


def new_user(data: RandomData) -> dict[str, str]:
    return {"username": data.username(), "email": data.email(), "password": data.password()}


def seed_product(repository: Any, data: RandomData, **fields: Any) -> dict[str, Any]:
    """Add a product straight to a repository (stage 4's `products.add`); returns
    it as the API shows it."""
    return repository.products.add(**new_product(data, **fields)).model_dump(mode="json")


def seed_user(repository: Any, data: RandomData) -> dict[str, Any]:
    user = new_user(data)
    return repository.users.add(username=user["username"], email=user["email"]).model_dump(
        mode="json"
    )


def stored(records: Any) -> list[dict[str, Any]]:
    """What a repository's Records hold, as the API would show it."""
    return [record.model_dump(mode="json") for record in records.all()]


def created(response: httpx.Response, what: str) -> dict[str, Any]:
    """The record a create answered (any success will do: stage 4 grades the rest)."""
    path = response.request.url.path
    if response.status_code not in (200, 201):
        fail(
            f"POST {path} did not create the {what}, so this cannot be checked",
            expected="status 201 and the created resource",
            response=response,
        )
    body = body_of(response)
    expect(
        isinstance(body, dict) and isinstance(body.get("id"), int),
        f"POST {path} should answer the created {what} with its integer id",
        expected='{"id": <an integer>, …}',
        response=response,
    )
    return body


def create_product(client: httpx.Client, data: RandomData, **fields: Any) -> dict[str, Any]:
    return created(client.post("/products", json=new_product(data, **fields)), "product")


def create_user(client: httpx.Client, data: RandomData) -> dict[str, Any]:
    return created(client.post("/users", json=new_user(data)), "user")


def read_product(client: httpx.Client, product_id: int, why: str | None = None) -> dict[str, Any]:
    response = client.get(f"/products/{product_id}")
    expect_status(response, 200, why or f"GET /products/{product_id} should find the product")
    return body_of(response)


def require_unit_of_work(app: FastAPI) -> None:
    """To do while no route runs in get_unit_of_work (requirement 5.4)."""
    unit_of_work = find("get_unit_of_work")
    if not any(depends_on(app, method, path, unit_of_work) for method, path in WRITES):
        todo("no route runs in get_unit_of_work yet (requirement 5.4 comes first)")
