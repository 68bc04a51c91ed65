"""Reading what came back, and saying what should have: requests and values as
a learner would type them, FastAPI's 422 body read by location, a create's
201 with its Location, lists compared id by id.

Each `expect_*` fails the check with the exchange and what was expected; an
expected body may hold matchers (`checks.support.matchers.ANY_ID`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from checks.support.failures import body_of, expect, expect_header, expect_status, fail, todo
from checks.support.matchers import ANY_ID, plain

if TYPE_CHECKING:
    import httpx2 as httpx

SHOWN_CHARACTERS = 300


def show(value: Any) -> str:
    """A value as it looks in a JSON body, cut short when it is huge."""
    text = json.dumps(plain(value), ensure_ascii=False, sort_keys=True, default=repr)
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
    """The ids of records (a record that is not a dict stands for itself)."""
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


def expect_answer(
    response: httpx.Response, status: int, body: Any = None, why: str | None = None
) -> Any:
    """`status` and, unless `body` is None, exactly `body` (matchers allowed);
    `why` says what the answer means here. Returns the body."""
    shape = f"status {status}" + (f" and {show(body)}" if body is not None else "")
    why = why or f"{sent(response)} should answer {shape}"
    expect(response.status_code == status, why, expected=shape, response=response)
    if body is None:
        return None
    answered = body_of(response)
    expect(answered == body, why, expected=shape, response=response)
    return answered


def expect_equal(got: Any, wanted: Any, message: str, **details: Any) -> None:
    """`got == wanted` (matchers allowed); else fail with `message`, showing both
    as JSON unless `expected=` or `got=` say it in words."""
    details.setdefault("expected", show(wanted))
    details.setdefault("got", show(got))
    expect(got == wanted, message, **details)


def expect_location(response: httpx.Response, path: str) -> str:
    """A Location header whose path is `path` (an absolute URL to it will do)."""
    location = expect_header(response, "Location")
    expect(
        urlsplit(location).path == path,
        f"the Location header is {location!r}",
        expected=f"header location: {path}",
        response=response,
    )
    return location


def expect_created(
    response: httpx.Response, body: dict[str, Any], collection: str, why: str | None = None
) -> dict[str, Any]:
    """201 Created, exactly `body` with a new integer id (matchers allowed), and
    Location /<collection>/<id>. Returns the created record."""
    request = sent(response)
    expect_status(
        response, 201, why or f"{request} should answer 201 Created (status_code on the decorator)"
    )
    answered = body_of(response)
    record_id = answered.get("id") if isinstance(answered, dict) else None
    expect(
        record_id == ANY_ID,
        f"{request} should answer the new record with the integer id the server gave it",
        expected=show({**body, "id": ANY_ID}),
        response=response,
    )
    expect(
        answered == {**body, "id": record_id},
        f"{request} does not answer the record that was sent",
        expected=show({**body, "id": record_id}),
        response=response,
    )
    expect_location(response, f"/{collection.strip('/')}/{record_id}")
    return answered


def expect_no_body(response: httpx.Response) -> None:
    """A 204 with nothing after it, not even `null`."""
    expect(
        response.content == b"",
        f"{sent(response)} answered 204 with a body: 204 No Content has none, not even null",
        expected="status 204 and an empty body",
        response=response,
    )


def expect_invalid(
    response: httpx.Response, loc: list[Any], why: str, error_type: str | None = None
) -> None:
    """A 422 from validation with an error at `loc` (of `error_type` when given).
    A body too big to show (a megabyte echoed back) is summed up by its size."""
    kind = f', "type": "{error_type}"' if error_type else ""
    shape = f'status 422 and {{"detail": [{{"loc": {show(loc)}{kind}, "msg": …}}, …]}}'
    got = (
        f"{response.status_code} and a body of {len(response.content):,} bytes"
        if len(response.content) > 2_000
        else None
    )
    expect(response.status_code == 422, why, expected=shape, response=response, got=got)
    if not has_error(response, loc, error_type):
        found = ", ".join(
            show(error.get("loc")) + (f" ({error.get('type')})" if error_type else "")
            for error in errors_of(response)
        )
        fail(
            f"the 422 from {sent(response)} does not point at {show(loc)}"
            + (f' with type "{error_type}"' if error_type else "")
            + (f"; its errors are at {found}" if found else ""),
            expected=shape,
            response=response,
            got=got,
        )


def expect_listed(
    response: httpx.Response, expected: list[dict[str, Any]], rule: str | None = None
) -> list[dict[str, Any]]:
    """The response is the JSON list of exactly these records, in this order, each
    one as it is stored; `rule` says in a few words why these ones."""
    body = expect_ids_in_order(response, expected, "records", rule)
    for item, record in zip(body, expected, strict=True):
        if item != record:
            fail(
                f"{sent(response)} lists record {record['id']} as something else than what "
                "was stored",
                expected=show(record),
                response=response,
            )
    return body


def expect_fields(
    response: httpx.Response, fields: set[str], requirement: str | None = None
) -> list[dict[str, Any]]:
    """A 200 with a JSON list whose every item has exactly `fields`; returns it.
    `requirement` names the one that promises the list, when it is not the check's."""
    request = sent(response)
    where = f" (requirement {requirement})" if requirement else ""
    expect_status(response, 200, f"{request} should answer 200 with a list{where}")
    body = body_of(response)
    shape = "[{" + ", ".join(f'"{name}"' for name in sorted(fields)) + "}, …]"
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        fail(f"{request} should answer a JSON list", expected=shape, response=response)
    for item in body:
        missing, extra = sorted(fields - set(item)), sorted(set(item) - fields)
        if missing or extra:
            problem = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unexpected {', '.join(extra)}" if extra else "",
                )
                if part
            )
            fail(
                f"{request} lists an entry with the wrong fields ({problem})",
                expected=shape,
                response=response,
            )
    return body


def require_query(response: httpx.Response, name: str, requirement: str) -> None:
    """`todo` while the route refuses the query parameter `name` as unknown."""
    if response.status_code == 422 and has_error(response, ["query", name], "extra_forbidden"):
        todo(f"{sent(response)}: the route does not take {name} yet (requirement {requirement})")
