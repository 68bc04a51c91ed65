"""Stage 9, requirement 9.6: every v2 error is an RFC 9457 problem details
object, `application/problem+json`; v1's errors keep stage 8's {"detail": …}."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from checks.stage_09.shop import ENVIRONMENT, V1, V2, add_product, missing
from checks.support import body_of, expect, fail
from checks.support.accounts import admin, member
from checks.support.answers import sent, show
from checks.support.shop import new_user

pytestmark = pytest.mark.env(**ENVIRONMENT)

PROBLEM = "application/problem+json"
SHAPE = (
    '{"type": "about:blank", "title": "Not Found", "status": 404, "detail": "…", '
    '"instance": "/api/v2/…"}'
)


def expect_problem(response, status: int, fields: tuple[str, ...] = ()) -> dict[str, Any]:
    """A problem details answer with `status`; `fields` must be named in its errors."""
    request = sent(response)
    expect(
        response.status_code == status,
        f"{request} should answer {status}",
        expected=f"status {status}, {PROBLEM}",
        response=response,
    )
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    body = body_of(response)
    if kind != PROBLEM:
        why = (
            f"{request} answered its {status} as {kind or 'no media type'}"
            + (
                ' with stage 8\'s {"detail": …}'
                if isinstance(body, dict) and set(body) == {"detail"}
                else ""
            )
            + f": every v2 error is a problem details object (RFC 9457), and its media type, "
            f"{PROBLEM}, says so before the body is read"
        )
        missing("9.6", why, expected=f"Content-Type: {PROBLEM}\n{SHAPE}", response=response)
    expect(
        isinstance(body, dict),
        f"{request} should answer a JSON object",
        expected=SHAPE,
        response=response,
    )
    wrong = []
    if not (isinstance(body.get("type"), str) and _is_uri(body["type"])):
        wrong.append('type (a URI; "about:blank" when there is nothing more to say)')
    if not (isinstance(body.get("title"), str) and body["title"].strip()):
        wrong.append("title (a short summary, the status's phrase)")
    if not (
        isinstance(body.get("status"), int)
        and not isinstance(body.get("status"), bool)
        and body["status"] == status
    ):
        wrong.append(f"status (the HTTP status as a number, {status})")
    if not isinstance(body.get("detail"), str):
        wrong.append("detail (a string that explains this occurrence)")
    instance = body.get("instance")
    path = response.request.url.path
    if not (isinstance(instance, str) and urlsplit(instance).path == path):
        wrong.append(f"instance (the request's path, {path})")
    if wrong:
        fail(
            f"{request} answered problem details without the right {', '.join(wrong)}",
            expected=SHAPE.replace("404", str(status)).replace("/api/v2/…", path),
            response=response,
        )
    if fields:
        _expect_errors(response, body, fields)
    return body


def _is_uri(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme) or value.startswith("/")


def _names(item: Any) -> str:
    """Everything an error item says about where it is, as one text."""
    if not isinstance(item, dict):
        return ""
    places = [item.get(key) for key in ("field", "name", "pointer", "loc", "location", "path")]
    return " ".join(
        " ".join(map(str, place)) if isinstance(place, list | tuple) else str(place)
        for place in places
        if place is not None
    )


def _expect_errors(response, body: dict[str, Any], fields: tuple[str, ...]) -> None:
    errors = body.get("errors")
    where = [_names(item) for item in errors] if isinstance(errors, list) else []
    unnamed = [
        field
        for field in fields
        if not any(
            field in place.split()
            or place.endswith(field)
            or f"/{field}" in place
            or f".{field}" in place
            for place in where
        )
    ]
    if not isinstance(errors, list) or unnamed:
        fail(
            f"{sent(response)} (two invalid fields) answered a 422 whose errors "
            + (
                "are missing"
                if not isinstance(errors, list)
                else f"do not name {', '.join(unnamed)}"
            )
            + ": a 422 lists one error per invalid field, naming it, so a form can show each "
            "message next to its field",
            expected='"errors": [{"field": "price", "message": "…"}, {"field": "name", …}]',
            got=show(errors),
            response=response,
        )


@pytest.mark.req("9.6")
def test_v2_errors_are_problem_details(client, data):
    """404, 409, 401 (WWW-Authenticate kept), 403, 422 (errors by field), 400, 405, unknown path."""
    boss = admin(client, prefix=V2, requirement="9.2")
    user = member(client, data, prefix=V2)
    product = add_product(client, boss, data, requirement="9.4")
    expect_problem(client.get(f"{V2}/products/{product['id'] + data.integer(1000, 9000)}"), 404)
    taken = {**new_user(data), "username": user.username}
    expect_problem(client.post(f"{V2}/users", json=taken), 409)
    unauthorized = client.get(f"{V2}/users/me")
    expect_problem(unauthorized, 401)
    expect(
        unauthorized.headers.get("www-authenticate", "").lower().startswith("bearer"),
        f"{sent(unauthorized)} answered its 401 without WWW-Authenticate: Bearer: the problem "
        "details handler must keep the exception's headers (exc.headers)",
        expected="WWW-Authenticate: Bearer",
        response=unauthorized,
    )
    body = {"name": "", "price": "abc", "tags": [], "stock": 1}
    expect_problem(client.post(f"{V2}/products", json=body, headers=user.headers), 403)
    expect_problem(
        client.post(f"{V2}/products", json=body, headers=boss.headers), 422, ("name", "price")
    )
    change = {"current_password": "not-" + user.password, "new_password": data.password()}
    expect_problem(client.put(f"{V2}/users/me/password", json=change, headers=user.headers), 400)
    expect_problem(client.delete(f"{V2}/products", headers=boss.headers), 405)
    expect_problem(client.get(f"{V2}/no-such-{data.token(5)}"), 404)
    expect_problem(
        client.get(f"{V2}/products", params={"limit": 0, "cursor": "!!"}), 422, ("limit", "cursor")
    )


@pytest.mark.req("9.6")
def test_v1_errors_keep_stage_8s_detail(client, data):
    """Under /api/v1, 404, 401, 409 and 422 stay {"detail": …} as application/json."""
    user = member(client, data, prefix=V1)
    answers = [
        (
            client.get(f"{V1}/products/{data.integer(10_000, 99_999)}"),
            {"detail": "Product not found"},
        ),
        (client.get(f"{V1}/users/me"), {"detail": "Not authenticated"}),
        (client.post(f"{V1}/users", json={**new_user(data), "username": user.username}), None),
        (client.get(f"{V1}/products", params={"limit": 0}), None),
    ]
    for response, wanted in answers:
        body = body_of(response)
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        expect(
            kind == "application/json" and isinstance(body, dict) and set(body) == {"detail"},
            f"{sent(response)} answered its {response.status_code} as {kind} {show(body)}: v1 "
            'keeps stage 8\'s errors, {"detail": …} as application/json; problem details are '
            "v2's (decide by the request's path)",
            expected='application/json {"detail": …}',
            response=response,
        )
        if wanted is not None:
            expect(
                body == wanted,
                f"{sent(response)} answered another detail than stage 8",
                expected=show(wanted),
                response=response,
            )
