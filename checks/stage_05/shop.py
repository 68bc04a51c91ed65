"""What is particular to stage 5: the learner's dependencies found by the names
the README gives them, repositories made and filled outside the app (to hand to
it through `app.dependency_overrides`), and the routes that write."""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from checks.support import body_of, expect, expect_status, learner, structure, todo
from checks.support.answers import created
from checks.support.shop import CATEGORIES, new_user
from checks.support.shop import new_product as plain_product

if TYPE_CHECKING:
    import httpx2 as httpx
    from fastapi import FastAPI

    from checks.support.data import RandomData

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
    """Call the learner's function `name` (see `checks.support.learner.call`)."""
    find(name)
    return learner.call(name, *args, **kwargs)


def override(app: FastAPI, name: str, replacement: Callable[[], Any]) -> None:
    """Swap the learner's dependency `name` for `replacement`."""
    app.dependency_overrides[find(name)] = replacement


def depends_on(app: FastAPI, method: str, path: str, function: Callable[..., Any]) -> bool:
    """Whether METHOD path runs `function` as a dependency."""
    return structure.runs(app, method, path, function)


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


def new_product(data: RandomData, **fields: Any) -> dict[str, Any]:
    """A valid product body of this stage: a name, a price and a category."""
    return plain_product(data, category=data.choice(CATEGORIES)) | fields


def seed_product(repository: Any, data: RandomData, **fields: Any) -> dict[str, Any]:
    """Add a product straight to a repository (stage 4's `products.add`); returns
    it as the API shows it."""
    return repository.products.add(**new_product(data, **fields)).model_dump(mode="json")


def seed_user(repository: Any, data: RandomData) -> dict[str, Any]:
    """Add a user straight to a repository; returns it as the API shows it."""
    user = new_user(data)
    added = repository.users.add(username=user["username"], email=user["email"])
    return added.model_dump(mode="json")


def stored(records: Any) -> list[dict[str, Any]]:
    """What a repository's Records hold, as the API would show it."""
    return [record.model_dump(mode="json") for record in records.all()]


def create_product(client: httpx.Client, data: RandomData, **fields: Any) -> dict[str, Any]:
    """POST a random product of this stage (with `fields`); returns it."""
    return created(client.post("/products", json=new_product(data, **fields)), "product")


def create_user(client: httpx.Client, data: RandomData) -> dict[str, Any]:
    """POST a random user; returns it."""
    return created(client.post("/users", json=new_user(data)), "user")


def read_product(client: httpx.Client, product_id: int, why: str | None = None) -> dict[str, Any]:
    """GET /products/{product_id}, expecting 200; returns the product."""
    response = client.get(f"/products/{product_id}")
    expect_status(response, 200, why or f"GET /products/{product_id} should find the product")
    return body_of(response)


def require_unit_of_work(app: FastAPI) -> None:
    """To do while no route runs in get_unit_of_work (requirement 5.4)."""
    unit_of_work = find("get_unit_of_work")
    if not any(depends_on(app, method, path, unit_of_work) for method, path in WRITES):
        todo("no route runs in get_unit_of_work yet (requirement 5.4 comes first)")
