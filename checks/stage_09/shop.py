"""What the stage 9 checks share: the two versions' prefixes, the stage 8
operations v1 keeps, products in either version's shape, lists walked page by
page, and the rule for telling the skeleton's starting state from a mistake.

Accounts come from checks.support.accounts with `prefix=V1` or `prefix=V2`.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from checks.support import RandomData, body_of, expect, fail, todo
from checks.support.accounts import ADMIN, FAST, Account
from checks.support.answers import created, sent, show
from checks.support.marks import holds_todo

if TYPE_CHECKING:
    import httpx2 as httpx

    from checks.support.client import RecordingClient

V1 = "/api/v1"
V2 = "/api/v2"
# Every check signs users up (cheap hashes) and most need the first admin.
ENVIRONMENT = {**FAST, **ADMIN}

# Stage 8's operations, as v1 keeps them (under /api/v1) and as the old paths
# still reach them (a 308 to /api/v1). GET / and /health stay unversioned.
STAGE_8 = (
    ("POST", "/auth/token"),
    ("PUT", "/users/me/password"),
    ("GET", "/users/me"),
    ("GET", "/users/{user_id}"),
    ("DELETE", "/users/{user_id}"),
    ("POST", "/users"),
    ("GET", "/users"),
    ("POST", "/products"),
    ("GET", "/products"),
    ("GET", "/products/{product_id}"),
    ("PUT", "/products/{product_id}"),
    ("PATCH", "/products/{product_id}"),
    ("DELETE", "/products/{product_id}"),
    ("PATCH", "/products/{product_id}/price"),
    ("POST", "/products/price-changes"),
    ("GET", "/categories/{category}/products"),
    ("POST", "/orders"),
    ("GET", "/orders"),
    ("GET", "/orders/{order_id}"),
    ("GET", "/outbox"),
    ("GET", "/audit"),
)
# The unversioned operations: the welcome and the probe.
META = (("GET", "/"), ("GET", "/health"))
# One module per resource under app/api/v1 and app/api/v2.
RESOURCES = ("auth", "users", "products", "orders", "admin")
TAGS = ("gift", "eco", "sale")


# --- The skeleton's starting state ----------------------------------------------------------


def still_to_do(requirement: str) -> bool:
    """Whether the learner's app (the one imported last) still holds `TODO N.k`."""
    package = sys.modules.get("app")
    folders = list(getattr(package, "__path__", []))
    return bool(folders) and holds_todo(Path(folders[0]).parent, requirement)


def missing(requirement: str, message: str, **details: Any) -> NoReturn:
    """The work `message` describes is not there: to do while the app still holds
    `TODO <requirement>`, a failure once it does not."""
    if still_to_do(requirement):
        todo(f"{message} (requirement {requirement}, still marked TODO)")
    fail(message, **details)


# --- Products -------------------------------------------------------------------------------


def money(value: float | Decimal | str) -> str:
    """A price as v2 shows it: a string with exactly two decimals."""
    return f"{Decimal(str(value)):.2f}"


def product_body(data: RandomData, *, v2: bool = False, **fields: Any) -> dict[str, Any]:
    """A valid product body: v1's price is a JSON number, v2's a two-decimal string."""
    price = data.price()
    body = {
        "name": data.product_name(),
        "price": money(price) if v2 else price,
        "tags": [data.choice(TAGS)],
        "stock": 20,
    }
    return {**body, **fields}


def add_product(
    client: RecordingClient,
    boss: Account,
    data: RandomData,
    prefix: str = V2,
    requirement: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """POST {prefix}/products as the admin; the created product."""
    body = product_body(data, v2=prefix == V2, **fields)
    response = client.post(f"{prefix}/products", json=body, headers=boss.headers)
    return created(response, f"product (POST {prefix}/products as the admin)", requirement)


def order_in_v1(
    client: RecordingClient, buyer: Account, product_id: int, quantity: int = 1
) -> dict:
    """POST /api/v1/orders as `buyer`: v1's orders are the worked example of 9.1,
    the same data layer as v2's; until they are routed, the check waits for 9.1."""
    body = {"product_id": product_id, "quantity": quantity}
    response = client.post(f"{V1}/orders", json=body, headers=buyer.headers)
    if response.status_code == 404 and still_to_do("9.1"):
        todo(f"{sent(response)} answers 404: v1's orders router is still to do (requirement 9.1)")
    return created(response, "order", "9.1")


# --- Lists ----------------------------------------------------------------------------------


def page_of(response: httpx.Response, requirement: str = "9.5") -> tuple[list[Any], str | None]:
    """(items, next_cursor) of a v2 list page; a failure when it is not one."""
    body = body_of(response)
    if isinstance(body, list):
        missing(
            requirement,
            f"{sent(response)} answered a bare JSON list: a v2 list is a page, "
            '{"items": […], "next_cursor": "…" | null}',
            expected='200 {"items": […], "next_cursor": "<opaque string>" | null}',
            response=response,
        )
    expect(
        isinstance(body, dict)
        and isinstance(body.get("items"), list)
        and "next_cursor" in body
        and (body["next_cursor"] is None or isinstance(body["next_cursor"], str)),
        f"{sent(response)} should answer a page of the list",
        expected='200 {"items": […], "next_cursor": "<opaque string>" | null}',
        response=response,
    )
    return body["items"], body["next_cursor"]


def ids_of(items: list[Any]) -> list[Any]:
    return [item.get("id") if isinstance(item, dict) else item for item in items]


def expect_ids(response: httpx.Response, got: list[Any], wanted: list[Any], what: str) -> None:
    """The ids listed are exactly `wanted`, in that order; says what differs."""
    if got == wanted:
        return
    repeated = sorted({i for i in got if got.count(i) > 1})
    skipped = [i for i in wanted if i not in got]
    extra = [i for i in got if i not in wanted]
    problems = [
        *([f"{skipped} never shown"] if skipped else []),
        *([f"{repeated} shown more than once"] if repeated else []),
        *([f"{extra} that should not be there"] if extra else []),
    ] or ["the right ids in another order"]
    fail(
        f"{what}: the pages listed the ids {got}: {'; '.join(problems)}",
        expected=f"the ids {wanted}, each once, oldest first",
        response=response,
    )


__all__ = ["ENVIRONMENT", "V1", "V2", "show"]
