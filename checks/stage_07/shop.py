"""What the stage 7 checks share: a watch on the app's background tasks (every
task a request schedules, and a switch that holds them back until the check
lets them run), a fake email sender to swap in for `get_email_sender`, the
outbox and the audit log as the API shows them, and a look inside what a task
was handed.

TestClient runs a request's background tasks before it hands the response
back, so in-process a task looks like part of the request. Holding the tasks
back separates the two: what is in the database when the response arrives was
written by the request; what appears only once the held tasks run was written
by a task.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import sys
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI
from starlette.background import BackgroundTask

from checks.support import (
    CheckFailure,
    RandomData,
    Todo,
    body_of,
    expect_status,
    fail,
    learner,
    todo,
)
from checks.support.answers import created

if TYPE_CHECKING:
    import httpx2 as httpx

    from checks.support.client import RecordingClient

WELCOME_SUBJECT = "Welcome to the Shop API"
OUTBOX_FIELDS = {"id", "to", "subject", "body", "sent_at"}
AUDIT_FIELDS = {"id", "action", "resource", "resource_id", "created_at"}


def show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
    return text if len(text) <= 300 else f"{text[:300]}… ({len(text)} characters)"


def sent(response: httpx.Response) -> str:
    request = response.request
    return f"{request.method} {str(request.url.raw_path, 'ascii')}"


# --- Random resources -----------------------------------------------------------------------


def new_user(data: RandomData) -> dict[str, str]:
    return {"username": data.username(), "email": data.email(), "password": data.password()}


def new_product(data: RandomData) -> dict[str, Any]:
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
    return created(client.post("/products", json=new_product(data)), "product")


# --- The learner's background tasks, watched --------------------------------------------------


@dataclass
class Scheduled:
    """One background task a request scheduled: the function and what it was handed."""

    task: BackgroundTask
    request: str  # "POST /users", the request that scheduled it

    @property
    def func(self) -> Any:
        return self.task.func

    @property
    def name(self) -> str:
        return task_name(self.task.func)

    def handed(self) -> list[tuple[str, Any]]:
        """What the task was given: ("argument 1", value), ("user_id=", value)…"""
        items = [(f"argument {n}", value) for n, value in enumerate(self.task.args, 1)]
        items += [(f"{key}=", value) for key, value in self.task.kwargs.items()]
        return items


def unwrap(func: Any) -> Any:
    """The function under partials, bound methods and decorators that use
    functools.wraps."""
    for _ in range(10):
        if isinstance(func, partial):
            func = func.func
        elif inspect.ismethod(func):
            func = func.__func__
        elif hasattr(func, "__wrapped__"):
            func = func.__wrapped__
        else:
            break
    return func


def task_name(func: Any) -> str:
    return getattr(unwrap(func), "__name__", None) or type(func).__name__


class _StubLogged(logging.Handler):
    """Notices a TODO stub's NotImplementedError in a log record."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.found: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, NotImplementedError) and "TODO" in str(error):
            self.found = str(error)


@dataclass
class TaskWatch:
    """Every BackgroundTask created while it is installed, in order; with
    `hold`, tasks are kept back instead of running until `run_held()`."""

    client: RecordingClient | None = None
    hold: bool = False
    scheduled: list[Scheduled] = field(default_factory=list)
    held: list[BackgroundTask] = field(default_factory=list)
    running: BackgroundTask | None = None  # the task being run right now
    direct: bool = False  # a check is calling a task function itself
    _stubs: _StubLogged = field(default_factory=lambda: _StubLogged())

    @classmethod
    def install(cls, monkeypatch: pytest.MonkeyPatch, *, hold: bool = False) -> TaskWatch:
        watch = cls(hold=hold)
        original_init = BackgroundTask.__init__
        original_call = BackgroundTask.__call__

        def recording_init(task: BackgroundTask, func: Any, *args: Any, **kwargs: Any) -> None:
            if inspect.iscoroutine(func):
                name = getattr(func, "__name__", "the task")
                func.close()  # never awaited, and never will be: no warning for it
                raise CheckFailure(
                    f"{watch.current_request()} called {name}(…) and handed add_task the "
                    "coroutine it made: add_task wants the function and its arguments, "
                    f"and calls it itself after the response: add_task({name}, …)",
                    expected=f"background_tasks.add_task({name}, <its arguments>)",
                    got=f"no response: add_task was given a coroutine object from {name}(…)",
                )
            original_init(task, func, *args, **kwargs)
            watch.scheduled.append(Scheduled(task, watch.current_request()))

        async def maybe_held(task: BackgroundTask) -> None:
            if watch.hold:
                watch.held.append(task)
            else:
                await watch._run_one(task)

        monkeypatch.setattr(BackgroundTask, "__init__", recording_init)
        monkeypatch.setattr(BackgroundTask, "__call__", maybe_held)
        # A TODO stub that raises inside a task is caught and logged once
        # log_failures is written: the watch hears of it, and says "to do".
        monkeypatch.setattr(logging.root, "handlers", [*logging.root.handlers, watch._stubs])
        watch._run = original_call  # type: ignore[attr-defined]
        return watch

    async def _run_one(self, task: BackgroundTask) -> None:
        self.running = task
        self._stubs.found = None
        try:
            await self._run(task)  # type: ignore[attr-defined]
        finally:
            self.running = None
        if self._stubs.found is not None:
            raise Todo(self._stubs.found)

    def current_request(self) -> str:
        request = getattr(self.client, "last_request", None)
        if request is None:
            return "a request"
        return f"{request.method} {request.url.path}"

    def mark(self) -> int:
        return len(self.scheduled)

    def since(self, mark: int) -> list[Scheduled]:
        return self.scheduled[mark:]

    def named(self, name: str, since: int = 0) -> list[Scheduled]:
        return [item for item in self.since(since) if item.name == name]

    def welcome(self, since: int = 0) -> list[Scheduled]:
        """The send_welcome_email tasks scheduled since `since`."""
        return self.named("send_welcome_email", since)

    def run_held(self) -> None:
        """Run the held tasks now, in order, on the app's event loop, as the
        server would have run them after the response."""
        assert self.client is not None, "TaskWatch.client is not set"
        tasks, self.held = self.held, []
        for task in tasks:
            self.client.portal.call(self._run_one, task)


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
    watch = TaskWatch.install(monkeypatch, hold=hold)
    watch.client = client
    if strict:
        for name, why in _IN_THE_REQUEST.items():
            _refuse_in_request(monkeypatch, watch, name, why)
        sender_class = _optional("OutboxEmailSender")
        if isinstance(sender_class, type) and callable(getattr(sender_class, "send", None)):
            _refuse_send_in_request(monkeypatch, watch, sender_class)
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


def _optional(name: str) -> Any:
    try:
        return learner.find(name)
    except CheckFailure:
        return None


def _in_request(watch: TaskWatch) -> bool:
    return watch.running is None and not watch.direct


def _refuse_in_request(
    monkeypatch: pytest.MonkeyPatch, watch: TaskWatch, name: str, why: str
) -> None:
    original = _optional(name)
    if original is None or not inspect.iscoroutinefunction(unwrap(original)):
        return

    @functools.wraps(original)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        if _in_request(watch):
            raise CheckFailure(
                f"{watch.current_request()} {why}",
                expected=f"{name} run by the task runner, after the response",
                got=f"no response: the request called {name} itself",
            )
        return await original(*args, **kwargs)

    for module_name, module in sorted(sys.modules.items()):
        in_app = module is not None and (module_name == "app" or module_name.startswith("app."))
        if in_app and getattr(module, name, None) is original:
            monkeypatch.setattr(module, name, guarded)


def _refuse_send_in_request(
    monkeypatch: pytest.MonkeyPatch, watch: TaskWatch, sender_class: type
) -> None:
    original = sender_class.send

    @functools.wraps(original)
    async def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _in_request(watch):
            raise CheckFailure(
                f"{watch.current_request()} called the email sender itself, before answering: "
                "the client waits for the mail server. Only schedule the email "
                "(background_tasks.add_task(send_welcome_email, …)); the task sends it",
                expected="sender.send() called by a background task, after the response",
                got="no response: the request called sender.send() itself",
            )
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sender_class, "send", guarded)


# --- A fake email sender ----------------------------------------------------------------------


@dataclass
class Email:
    to: Any
    subject: Any
    body: Any


class FakeSender:
    """Stands in for the app's sender (the checks install it by overriding
    get_email_sender): keeps what it is asked to send, or raises `error`."""

    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[Email] = []
        self.error = error
        self.calls = 0

    async def send(self, to: Any = None, subject: Any = None, body: Any = None) -> None:
        self.calls += 1
        if self.error is not None:
            raise self.error
        self.sent.append(Email(to, subject, body))

    def to(self, address: str) -> list[Email]:
        return [email for email in self.sent if email.to == address]


def use_sender(app: FastAPI, sender: FakeSender) -> FakeSender:
    """Override the learner's get_email_sender with `sender`."""
    app.dependency_overrides[learner.find("get_email_sender")] = lambda: sender
    return sender


# --- The outbox and the audit log, as the API shows them --------------------------------------


def _listing(client: RecordingClient, path: str, fields: set[str], requirement: str) -> list[Any]:
    response = client.get(path, params={"limit": 100})
    expect_status(
        response, 200, f"GET {path} should answer 200 with a list (requirement {requirement})"
    )
    body = body_of(response)
    shape = "[{" + ", ".join(f'"{name}"' for name in sorted(fields)) + "}, …]"
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        fail(f"GET {path} should answer a JSON list", expected=shape, response=response)
    for item in body:
        if set(item) != fields:
            missing, extra = sorted(fields - set(item)), sorted(set(item) - fields)
            problem = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unexpected {', '.join(extra)}" if extra else "",
                )
                if part
            )
            fail(
                f"GET {path} lists an entry with the wrong fields ({problem})",
                expected=shape,
                response=response,
            )
    return body


def outbox(client: RecordingClient) -> list[dict[str, Any]]:
    """Every email in the outbox, oldest first (GET /outbox)."""
    return _listing(client, "/outbox", OUTBOX_FIELDS, "7.1")


def audit_log(client: RecordingClient) -> list[dict[str, Any]]:
    """Every audit entry, oldest first (GET /audit)."""
    return _listing(client, "/audit", AUDIT_FIELDS, "7.6")


def emails_to(client: RecordingClient, address: str) -> list[dict[str, Any]]:
    return [email for email in outbox(client) if email.get("to") == address]


def is_timestamp(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def entry(action: str, resource: str, resource_id: int) -> tuple[str, str, int]:
    return (action, resource, resource_id)


def entries(log: list[dict[str, Any]]) -> list[tuple[Any, Any, Any]]:
    """The audit log as (action, resource, resource_id) triples."""
    return [(item.get("action"), item.get("resource"), item.get("resource_id")) for item in log]


def show_entries(triples: list[tuple[Any, Any, Any]]) -> str:
    if not triples:
        return "no entries"
    return ", ".join(f"({a}, {r}, {i})" for a, r, i in triples)


# --- What a task was handed -------------------------------------------------------------------


def _session_kind(value: Any) -> str | None:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import Session

    if isinstance(value, AsyncSession):
        return "an AsyncSession (the request's database session)"
    if isinstance(value, Session):
        return "a Session (the request's database session)"
    return None


def _orm_kind(value: Any) -> str | None:
    if isinstance(value, type):
        return None
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy.orm import InstanceState

    try:
        state = sa_inspect(value, raiseerr=False)
    except Exception:  # an object that inspection trips over is not a mapped one
        return None
    if isinstance(state, InstanceState):
        return f"an ORM object (a {type(value).__name__} loaded in the request)"
    return None


def _record_copy_kind(value: Any) -> str | None:
    from pydantic import BaseModel

    if isinstance(value, BaseModel) and "id" in type(value).model_fields:
        return (
            f"a copy of a record (a {type(value).__name__}) made in the request, which the "
            "task would use however the record has changed since"
        )
    return None


def _inside(value: Any) -> list[tuple[str, Any]]:
    """What an object carries that a task would use: container items, instance
    attributes, the cells a closure or a lambda captured."""
    if isinstance(value, str | bytes | int | float | bool | type(None)):
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [(f"item {n}", item) for n, item in enumerate(value, 1)]
    if isinstance(value, dict):
        return [(f"[{key!r}]", item) for key, item in value.items()]
    if isinstance(value, partial):
        return [("partial argument", item) for item in value.args] + [
            (f"partial {key}=", item) for key, item in value.keywords.items()
        ]
    if inspect.ismethod(value):
        return [("the object it is a method of", value.__self__)]
    if inspect.isfunction(value):
        cells = value.__closure__ or ()
        names = value.__code__.co_freevars
        found = []
        for name, cell in zip(names, cells, strict=False):
            try:
                found.append((f"`{name}` captured by {value.__name__}", cell.cell_contents))
            except ValueError:  # an empty cell
                continue
        return found
    if (
        inspect.ismodule(value)
        or inspect.isclass(value)
        or (callable(value) and not hasattr(value, "__dict__"))
    ):
        return []
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        return [(f"its attribute {name}", item) for name, item in attributes.items()]
    return []


def forbidden(scheduled: Scheduled) -> list[str]:
    """Sessions and ORM objects a task was handed, directly or inside what it
    was handed (an object's attributes, a closure), as readable findings."""
    findings: list[str] = []
    seen: set[int] = set()

    def visit(where: str, value: Any, depth: int) -> None:
        if id(value) in seen or depth > 3:
            return
        seen.add(id(value))
        kind = _session_kind(value) or _orm_kind(value) or _record_copy_kind(value)
        if kind:
            findings.append(f"{where}: {kind}")
            return
        if _is_session_factory(value):
            return  # a factory is what a task should open its session with
        for label, item in _inside(value):
            visit(f"{where}, {label}", item, depth + 1)

    visit("the task function", scheduled.func, 0)
    for label, value in scheduled.handed():
        visit(label, value, 0)
    return findings


def _is_session_factory(value: Any) -> bool:
    from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
    from sqlalchemy.orm import sessionmaker

    return isinstance(value, async_sessionmaker | sessionmaker | AsyncEngine)


def todo_in_logs(caplog: pytest.LogCaptureFixture | None) -> None:
    """`todo` when a task that was still a TODO stub raised, and the error was
    caught and logged (by a finished log_failures) instead of reaching the check."""
    if caplog is None:
        return
    for record in caplog.records:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, NotImplementedError) and "TODO" in str(error):
            todo(str(error))


def escaped(error: BaseException, wanted: BaseException) -> bool:
    """`wanted` is `error`, or inside it (an exception group, a cause)."""
    stack = [error]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if current is wanted:
            return True
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        stack.extend([current.__cause__, current.__context__])
    return False


__all__ = [
    "AUDIT_FIELDS",
    "OUTBOX_FIELDS",
    "WELCOME_SUBJECT",
    "CheckFailure",
    "FakeSender",
    "Scheduled",
    "TaskWatch",
    "audit_log",
    "create_product",
    "created",
    "emails_to",
    "entries",
    "entry",
    "escaped",
    "forbidden",
    "is_timestamp",
    "new_product",
    "new_user",
    "outbox",
    "sent",
    "show",
    "show_entries",
    "signup",
    "task_name",
    "todo_in_logs",
    "unwrap",
    "use_sender",
    "watch_tasks",
]
