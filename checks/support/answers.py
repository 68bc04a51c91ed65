"""Reading what came back: requests and values as a learner would type them,
and the error list of FastAPI's 422 body."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from checks.support.failures import body_of, expect, expect_status, fail

if TYPE_CHECKING:
    import httpx2 as httpx

SHOWN_CHARACTERS = 300


def show(value: Any) -> str:
    """A value as it looks in a JSON body, cut short when it is huge."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return f"{text[:SHOWN_CHARACTERS]}… ({len(text)} characters)"


def sent(response: httpx.Response) -> str:
    """`GET /products?limit=3`: the request as a learner would type it."""
    request = response.request
    return f"{request.method} {str(request.url.raw_path, 'ascii')}"


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    """The error list of FastAPI's 422 body: {"detail": [{"type", "loc", "msg", …}]}."""
    try:
        body = response.json()
    except ValueError:
        return []
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, list):
        return []
    return [error for error in detail if isinstance(error, dict)]


def has_error(response: httpx.Response, loc: list[Any], error_type: str | None = None) -> bool:
    """Whether the 422 body has an error at `loc` (of `error_type`, when given)."""
    return any(
        error.get("loc") == loc and (error_type is None or error.get("type") == error_type)
        for error in errors_of(response)
    )


def created(response: httpx.Response, what: str, requirement: str | None = None) -> dict[str, Any]:
    """The body of a create that a check stands on: any success with an integer
    id will do, since whether it is exactly right is graded where `requirement`
    is (or in an earlier stage), so a slip is reported once, not in every check."""
    if response.status_code not in (200, 201):
        where = (
            f"see requirement {requirement}"
            if requirement
            else ("earlier stages' requirements cover creating it")
        )
        fail(
            f"{sent(response)} did not create the {what}, so this cannot be checked yet ({where})",
            expected=f"status 201 and the new {what}",
            response=response,
        )
    body = body_of(response)
    record_id = body.get("id") if isinstance(body, dict) else None
    expect(
        isinstance(record_id, int) and not isinstance(record_id, bool),
        f"{sent(response)} should answer the new {what} with its integer id",
        expected='{"id": <an integer>, …}',
        response=response,
    )
    return body


def ids(records: list[Any]) -> list[Any]:
    return [record.get("id") if isinstance(record, dict) else record for record in records]


def expect_ids_in_order(
    response: httpx.Response, expected: list[dict[str, Any]], noun: str, rule: str | None = None
) -> list[dict[str, Any]]:
    """The response is a 200 with a JSON list of exactly the `expected` records
    (by id), in that order; `noun` names them ("products") and `rule` says in a
    few words why these ones. Returns the list."""
    request = sent(response)
    expect_status(response, 200, f"{request} should answer 200 with a list of {noun}")
    body = body_of(response)
    want = ids(expected)
    shape = f"the {noun} with ids {want}, in this order" if want else "an empty list, []"
    if rule:
        shape += f": {rule}"
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        fail(f"{request} should answer a JSON list of {noun}", expected=shape, response=response)
    got = ids(body)
    if got == want:
        return body
    extra = [i for i in got if i not in want]
    missing = [i for i in want if i not in got]
    if not extra and not missing:
        problem = (
            f"the right {noun}, but not oldest first"
            if len(got) == len(want)
            else f"some {noun} more than once"
        )
    elif extra and missing:
        problem = f"it has {extra} that should not be there, and lacks {missing}"
    elif extra:
        problem = f"it has {extra} that should not be there"
    else:
        problem = f"it lacks {missing}"
    fail(f"{request} answered the {noun} {got}: {problem}", expected=shape, response=response)
