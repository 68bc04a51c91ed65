"""What a check's exception means for the report: turn it into an outcome
(`pass` aside: `todo`, `fail` or `error`, with the exchange it is about).

The plugin (`workbook.engine.pytest_plugin`) calls `classify` for each failed phase of
a check, and `unclassified` when it cannot tell; what they return is the body of
the `Result` event (`workbook.engine.events`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbook.engine import expectations, stacks
from workbook.engine.app_loader import AppLoadError, where
from workbook.outcomes import CheckFailure, ExchangeRecorder, Todo

BODY_EXCERPT = 600


def _excerpt(text: str, limit: int = BODY_EXCERPT) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"


def _request_of(request: Any) -> dict[str, str] | None:
    if request is None:
        return None
    try:
        body = request.content.decode("utf-8", "replace")
    except Exception:  # a streamed body has no content to show
        body = ""
    return {
        "method": request.method,
        "url": str(request.url.raw_path, "ascii"),
        "body": _excerpt(body),
    }


def _response_of(response: Any) -> dict[str, Any] | None:
    if response is None:
        return None
    try:
        text = response.text
    except Exception:  # an unread stream
        text = ""
    return {
        "status": response.status_code,
        "content_type": response.headers.get("content-type", ""),
        "body": _excerpt(text),
    }


def _recorder(item: pytest.Item) -> ExchangeRecorder | None:
    """The check's recording client (`checks.support.client.RecordingClient`), if any."""
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, ExchangeRecorder):
            return value
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    """Every exception reachable from `error`: its cause, its context and, for
    an exception group, its members, each once. Walked with a stack, not by
    recursion: Starlette re-raises a middleware's exception through an
    ExceptionGroup whose context leads back to it, so the graph has cycles."""
    seen: set[int] = set()
    stack: list[BaseException] = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__]
        if isinstance(current, BaseExceptionGroup):
            linked = [*current.exceptions, *linked]
        # Reversed, so that the first member and the cause are looked at first.
        stack.extend(e for e in reversed(linked) if e is not None)


def _todo_text(error: BaseException) -> str | None:
    """The message of a TODO stub or a check's todo(), anywhere in the chain."""
    for current in _chain(error):
        if isinstance(current, Todo) or (
            isinstance(current, NotImplementedError) and "TODO" in str(current)
        ):
            return str(current) or "not started yet"
    return None


def _returned_wrong(error: Any) -> dict[str, str]:
    """The route returned something its return type does not allow, so FastAPI
    refused to send it (a 500). The two classic causes get their own advice."""
    errors = [item for item in error.errors() if isinstance(item, dict)]
    inputs = [item.get("input") for item in errors]
    returned = next((value for value in inputs if isinstance(value, Exception)), None)
    if returned is not None and hasattr(returned, "status_code"):
        detail = json.dumps({"detail": getattr(returned, "detail", None)}, ensure_ascii=False)
        return {
            "message": "your route returned an HTTPException instead of raising it, so FastAPI "
            "tried to send the exception object as the response and failed (500): "
            "`raise HTTPException(…)`, not `return`",
            "expected": f"status {returned.status_code} {detail}",
        }
    if inputs and all(value is None for value in inputs):
        return {
            "message": "your route returned None where its return type promises a value, so "
            "FastAPI refused to send it (500). For something that is not there, raise "
            "HTTPException(status_code=404, detail=…)",
            "expected": "the value, or status 404 with a detail",
        }
    problems = "; ".join(
        f"{'.'.join(map(str, item.get('loc', ())))}: {item.get('msg')}" for item in errors[:4]
    )
    return {
        "message": "your route returned a value that does not match its return type, so "
        f"FastAPI refused to send it (500): {problems}",
        "expected": "a response that matches the route's return type",
    }


def classify(item: pytest.Item, error: BaseException, phase: str) -> dict[str, Any]:
    """Turn an exception raised by a check into an outcome for the report."""
    recorder = _recorder(item)
    exchange = {
        "sent": _request_of(getattr(recorder, "last_request", None)),
        "got": _response_of(getattr(recorder, "last_response", None)),
    }
    if isinstance(error, AppLoadError):
        return {"outcome": "error", "kind": "load", "message": str(error)}
    todo = _todo_text(error)
    if todo is not None:
        return {"outcome": "todo", "message": todo, **exchange}
    if isinstance(error, CheckFailure):
        response = error.response
        if response is not None:
            exchange = {"sent": _request_of(response.request), "got": _response_of(response)}
        described = error.sent
        if described:
            # Many requests, told in words: the client's last exchange is not it.
            exchange = {
                "sent": {"method": "", "url": described, "body": ""},
                "got": _response_of(response) if response is not None else None,
            }
        summary = error.got
        if summary is not None:
            if exchange["got"] is None:
                exchange["got"] = {"status": None, "content_type": "", "body": ""}
            exchange["got"]["body"] = _excerpt(summary)
        return {
            "outcome": "fail",
            "message": error.message,
            "expected": error.expected,
            **exchange,
        }
    from fastapi.exceptions import ResponseValidationError  # loaded with the app already

    if isinstance(error, ResponseValidationError):
        return {"outcome": "error", "kind": "crash", **exchange, **_returned_wrong(error)}
    target = Path(str(item.config.getoption("--target") or "."))
    location = where(error, target)
    if location:
        # The learner's own code raised: a crash, not a wrong answer.
        stage = "while starting up or shutting down" if phase != "call" else "while handling"
        return {
            "outcome": "error",
            "kind": "crash",
            "message": f"your code raised {type(error).__name__}: {_excerpt(str(error), 300)} "
            f"{stage} the request\n{location}",
            "expected": expectations.expected_for(error),
            **exchange,
        }
    if isinstance(error, AssertionError):
        text = str(error).split("\nassert ")[0].strip() or "a check's assertion failed"
        return {"outcome": "fail", "message": _excerpt(text, 400), **exchange}
    from_app = stacks.raised_in_app(error)
    if from_app is not None:
        return {"outcome": "error", "kind": "crash", "message": from_app, **exchange}
    # The check itself tripped over the response (a missing key, a wrong type):
    # the answer had an unexpected shape. Never a library's line as the place.
    detail = stacks.check_line(error)
    return {
        "outcome": "fail",
        "message": f"the response had an unexpected shape: {type(error).__name__}: "
        f"{_excerpt(str(error), 200)}{detail}",
        **exchange,
    }


def unclassified(item: pytest.Item, why: str) -> dict[str, Any]:
    """The grader could not tell what happened: an error naming the check, never
    a pass (the grader fails closed)."""
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    name = doc.strip().split("\n")[0] or item.nodeid
    return {
        "outcome": "error",
        "kind": "grader",
        "message": f"the grader could not classify the outcome of the check {name!r} "
        f"({item.nodeid}): {why}. This is counted as not done; please report it with "
        "the code you graded.",
    }
