"""What is particular to stage 4: the learner's repository (the class, and the
instance the app keeps its records in), and records with unknown ids."""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

from checks.support import fail, learner
from checks.support.shop import PRODUCT_NOT_FOUND, USER_NOT_FOUND, Shop

MEGABYTE = 1 << 20


def collections_with_unknown_ids(
    shop: Shop,
) -> list[tuple[str, list[dict[str, Any]], int, dict[str, str]]]:
    """Two products and a user, stored. For each collection: its path, its
    records, an id none of them has, and the 404 body that id gets."""
    products = shop.create_products(2)
    users = [shop.create_user()]
    return [
        ("/products", products, shop.unknown_id(products), PRODUCT_NOT_FOUND),
        ("/users", users, shop.unknown_id(users), USER_NOT_FOUND),
    ]


def repository_class() -> type:
    """The learner's Repository class."""
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


def stored_products() -> list[dict[str, Any]]:
    """What the app's repository holds of products, oldest first."""
    records = app_repository().products.all()
    return [as_dict(record, "repository.products.all()") for record in records]
