"""Failures that say what was sent, what was expected and what came back.

The grader's report is built from these: a `CheckFailure` carries the response
it is about (and through it the request), so a learner sees the exchange, not a
traceback. A plain `assert` still works; the grader then shows the last exchange
the check made.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NoReturn

from checks.support.matchers import plain

# The outcomes themselves live in the workbook, whose plugin recognises them.
from workbook.outcomes import CheckFailure, Todo

if TYPE_CHECKING:
    # TestClient speaks httpx2; importing it only for types keeps checks quick.
    import httpx2 as httpx


def fail(message: str, **details: Any) -> NoReturn:
    """Fail the check; `details` are CheckFailure's: expected, response, got, sent."""
    raise CheckFailure(message, **details)


def todo(message: str) -> NoReturn:
    """Stop the check as "to do": the skeleton's starting state was found."""
    raise Todo(message)


def expect(condition: object, message: str, **details: Any) -> None:
    """Fail the check with `message` and `details` (as `fail`) unless `condition` holds."""
    if not condition:
        fail(message, **details)


def expect_status(response: httpx.Response, status: int, why: str | None = None) -> None:
    """The response has `status`; `why` says what that status means here."""
    if response.status_code != status:
        request = response.request
        fail(
            why or f"{request.method} {request.url.raw_path.decode()} should answer {status}",
            expected=f"status {status}",
            response=response,
        )


def body_of(response: httpx.Response) -> Any:
    """The JSON body, or a failure that says the body is not JSON."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        fail("the response body should be JSON", expected="a JSON body", response=response)


def json_excerpt(body: Any, *keys: str, limit: int = 400) -> str:
    """The part of a large JSON body that matters, for `got=`:
    `paths → /users → post → responses: {…}` rather than all of /openapi.json."""
    part = body
    for key in keys:
        part = part.get(key, {}) if isinstance(part, dict) else {}
    text = json.dumps(part, ensure_ascii=False, separators=(", ", ": "))
    if len(text) > limit:
        text = text[:limit] + "…"
    return (" → ".join(keys) + ": " if keys else "") + text


def _show(value: Any) -> str:
    return json.dumps(plain(value), ensure_ascii=False, sort_keys=True)


def expect_json(response: httpx.Response, expected: Any, *, exact: bool = False) -> Any:
    """The JSON body contains `expected` (every key of a dict, or equals it when
    `exact` or not a dict). Returns the body so a check can go on reading it."""
    body = body_of(response)
    if isinstance(expected, dict) and not exact:
        if not isinstance(body, dict):
            fail(
                "the response should be a JSON object", expected=_show(expected), response=response
            )
        wrong = {key for key, value in expected.items() if body.get(key, ...) != value}
        if wrong:
            names = ", ".join(sorted(wrong))
            fail(
                f"the response has the wrong value for {names}",
                expected=_show(expected),
                response=response,
            )
    elif body != expected:
        fail(_difference(body, expected), expected=_show(expected), response=response)
    return body


def _difference(body: Any, expected: Any) -> str:
    """What is wrong with a body, in words: for a list, whether it holds the
    right items in another order (and which order was asked for)."""
    if isinstance(body, list) and isinstance(expected, list):
        mine = sorted(_show(item) for item in body)
        if mine == sorted(_show(item) for item in expected) and len(body) > 1:
            if body == expected[::-1]:
                return (
                    "the list holds the right items in reverse order: they should come in "
                    "the order shown under expected (the first one first)"
                )
            return (
                "the list holds the right items in another order: they should come in the "
                "order shown under expected"
            )
        if len(body) != len(expected):
            return f"the list has {len(body)} items where {len(expected)} were expected"
        return "the list's items are not the ones expected"
    return "the response body is not what it should be"


def expect_header(
    response: httpx.Response, name: str, value: str | None = None, *, about: str | None = None
) -> str:
    """The response has header `name` (equal to `value` when given). `about`
    says which response this is when the request alone does not ("the replay
    of the first POST, with the same Idempotency-Key")."""
    actual = response.headers.get(name)
    wanted = f"header {name}: {value}" if value is not None else f"a {name} header"
    which = about or "the response"
    if actual is None:
        fail(f"{which} has no {name} header", expected=wanted, response=response)
    if value is not None and actual != value:
        fail(f"the {name} header of {which} is {actual!r}", expected=wanted, response=response)
    return actual
