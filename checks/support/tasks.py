"""The app's background tasks, watched from inside the process: every task a
request schedules (`watch.scheduled`), held back until the check lets them run
(`hold=True`, `watch.run_held()`), and what each was handed (`forbidden`).

TestClient runs a request's background tasks before it hands the response
back, so in-process a task looks like part of the request. Holding the tasks
back separates the two: what is in the database when the response arrives was
written by the request; what appears only once the held tasks run was written
by a task. `refuse_in_request` makes a function that only a task may call stop
the check at once when the request calls it itself.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest
from starlette.background import BackgroundTask

from checks.support import learner
from checks.support.failures import CheckFailure, Todo, todo

if TYPE_CHECKING:
    from fastapi import FastAPI

    from checks.support.client import RecordingClient


# --- Tasks, watched ---------------------------------------------------------------------------


@dataclass
class Scheduled:
    """One background task a request scheduled: the function and what it was handed."""

    task: BackgroundTask
    request: str  # "POST /users", the request that scheduled it

    @property
    def func(self) -> Any:
        """The function the task runs (possibly wrapped: see `unwrap`)."""
        return self.task.func

    @property
    def name(self) -> str:
        """The task function's name, under any wrapping."""
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
    """The name of a task's function, under any wrapping."""
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
        """Record every BackgroundTask made from now on (and hold it back with `hold`)."""
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
        """The request the client is sending now ("POST /users"), for messages."""
        request = getattr(self.client, "last_request", None)
        if request is None:
            return "a request"
        return f"{request.method} {request.url.path}"

    def mark(self) -> int:
        """A bookmark in `scheduled`, for `since`."""
        return len(self.scheduled)

    def since(self, mark: int) -> list[Scheduled]:
        """The tasks scheduled after `mark`."""
        return self.scheduled[mark:]

    def named(self, name: str, since: int = 0) -> list[Scheduled]:
        """The tasks running a function called `name`, scheduled since `since`."""
        return [item for item in self.since(since) if item.name == name]

    def run_held(self) -> None:
        """Run the held tasks now, in order, on the app's event loop, as the
        server would have run them after the response."""
        assert self.client is not None, "TaskWatch.client is not set"
        tasks, self.held = self.held, []
        for task in tasks:
            self.client.portal.call(self._run_one, task)


def watch_tasks(
    monkeypatch: pytest.MonkeyPatch, client: RecordingClient, *, hold: bool = False
) -> TaskWatch:
    """Watch (and with `hold`, hold back) the app's background tasks."""
    watch = TaskWatch.install(monkeypatch, hold=hold)
    watch.client = client
    return watch


def optional(name: str) -> Any:
    """The learner's object called `name`, or None when the app has none."""
    try:
        return learner.find(name)
    except CheckFailure:
        return None


def _in_request(watch: TaskWatch) -> bool:
    return watch.running is None and not watch.direct


def refuse_in_request(
    monkeypatch: pytest.MonkeyPatch, watch: TaskWatch, name: str, why: str
) -> None:
    """Make the learner's coroutine function `name` fail the check when a request
    calls it itself (`why` says what that costs), rather than a task."""
    original = optional(name)
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


def refuse_method_in_request(
    monkeypatch: pytest.MonkeyPatch,
    watch: TaskWatch,
    cls: type,
    method: str,
    why: str,
    expected: str,
) -> None:
    """The same for `cls.method` (a coroutine method): only a task may call it."""
    original = getattr(cls, method)

    @functools.wraps(original)
    async def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _in_request(watch):
            raise CheckFailure(
                f"{watch.current_request()} {why}",
                expected=expected,
                got=f"no response: the request called {method}() itself",
            )
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(cls, method, guarded)


# --- A fake email sender ----------------------------------------------------------------------


@dataclass
class Email:
    """One email the fake sender was asked to send."""

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
        """Keep the email (or raise `error`), as the app's sender would send it."""
        self.calls += 1
        if self.error is not None:
            raise self.error
        self.sent.append(Email(to, subject, body))

    def to(self, address: str) -> list[Email]:
        """The emails sent to `address`."""
        return [email for email in self.sent if email.to == address]


def use_sender(app: FastAPI, sender: FakeSender) -> FakeSender:
    """Override the learner's get_email_sender with `sender`."""
    app.dependency_overrides[learner.find("get_email_sender")] = lambda: sender
    return sender


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
