"""What is particular to stage 7: the welcome email and the audit entry, which
only a background task may send or write, the outbox and the audit log as the
API shows them, and the product body of this stage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checks.support.answers import created, expect_fields
from checks.support.shop import new_user
from checks.support.tasks import (
    TaskWatch,
    optional,
    refuse_in_request,
    refuse_method_in_request,
)
from checks.support.tasks import watch_tasks as watch_all_tasks

if TYPE_CHECKING:
    import pytest

    from checks.support.client import RecordingClient
    from checks.support.data import RandomData
    from checks.support.tasks import Scheduled

WELCOME_SUBJECT = "Welcome to the Shop API"
OUTBOX_FIELDS = {"id", "to", "subject", "body", "sent_at"}
AUDIT_FIELDS = {"id", "action", "resource", "resource_id", "created_at"}


def new_product(data: RandomData) -> dict[str, Any]:
    """A product body with every field of stage 7, stock included."""
    return {
        "name": data.product_name(),
        "price": data.price(),
        "description": f"Sturdy {data.token(8)}",
        "category": data.choice(("books", "garden", "kitchen", "toys")),
        "tags": [data.choice(("gift", "eco", "sale"))],
        "stock": data.integer(5, 50),
    }


def signup(client: RecordingClient, data: RandomData) -> dict[str, Any]:
    """POST /users with a random user; returns the user as the API shows it."""
    return created(client.post("/users", json=new_user(data)), "user")


def create_product(client: RecordingClient, data: RandomData) -> dict[str, Any]:
    """POST /products with a random product; returns it as the API shows it."""
    return created(client.post("/products", json=new_product(data)), "product")


# --- Tasks ------------------------------------------------------------------------------------


def watch_tasks(
    monkeypatch: pytest.MonkeyPatch,
    client: RecordingClient,
    *,
    hold: bool = False,
    strict: bool = True,
) -> TaskWatch:
    """Watch (and with `hold`, hold back) the app's background tasks. `strict`:
    the welcome email and the audit entry may only be sent or written by a
    task; done by the request itself, the check stops at once and says so
    (instead of waiting, on SQLite, for the lock the request's own open
    transaction holds)."""
    watch = watch_all_tasks(monkeypatch, client, hold=hold)
    if strict:
        for name, why in _IN_THE_REQUEST.items():
            refuse_in_request(monkeypatch, watch, name, why)
        sender_class = optional("OutboxEmailSender")
        if isinstance(sender_class, type) and callable(getattr(sender_class, "send", None)):
            refuse_method_in_request(
                monkeypatch,
                watch,
                sender_class,
                "send",
                "called the email sender itself, before answering: the client waits for the "
                "mail server. Only schedule the email "
                "(background_tasks.add_task(send_welcome_email, …)); the task sends it",
                expected="sender.send() called by a background task, after the response",
            )
    return watch


_IN_THE_REQUEST = {
    "send_welcome_email": (
        "awaited send_welcome_email itself instead of scheduling it: the client waits for "
        "the mail server, and the task runs before the unit of work commits the new user "
        "(its own session cannot even see them). Schedule it: "
        "background_tasks.add_task(send_welcome_email, sessions, created.id, sender)"
    ),
    "write_audit_entry": (
        "awaited write_audit_entry itself instead of recording the entry through the audit "
        "trail: the entry is written in the request, through a second session, while the "
        "request's own transaction is still open (on SQLite it waits for the write lock). "
        "audit.record(...) schedules it as a background task"
    ),
}


def welcome(watch: TaskWatch, since: int = 0) -> list[Scheduled]:
    """The send_welcome_email tasks scheduled since `since`."""
    return watch.named("send_welcome_email", since)


# --- The outbox and the audit log, as the API shows them --------------------------------------


def outbox(client: RecordingClient) -> list[dict[str, Any]]:
    """Every email in the outbox, oldest first (GET /outbox)."""
    return expect_fields(client.get("/outbox", params={"limit": 100}), OUTBOX_FIELDS, "7.1")


def audit_log(client: RecordingClient) -> list[dict[str, Any]]:
    """Every audit entry, oldest first (GET /audit)."""
    return expect_fields(client.get("/audit", params={"limit": 100}), AUDIT_FIELDS, "7.6")


def emails_to(client: RecordingClient, address: str) -> list[dict[str, Any]]:
    """The emails in the outbox addressed to `address`."""
    return [email for email in outbox(client) if email.get("to") == address]


def entries(log: list[dict[str, Any]]) -> list[tuple[Any, Any, Any]]:
    """The audit log as (action, resource, resource_id) triples."""
    return [(item.get("action"), item.get("resource"), item.get("resource_id")) for item in log]


def show_entries(triples: list[tuple[Any, Any, Any]]) -> str:
    """Audit triples as a report shows them: "(create, user, 3), …"."""
    if not triples:
        return "no entries"
    return ", ".join(f"({a}, {r}, {i})" for a, r, i in triples)
