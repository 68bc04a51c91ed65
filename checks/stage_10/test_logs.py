"""Stage 10, requirement 10.6: logs as JSON lines. One access line per
request, with the request id the response carries; every line a backend
writes is a JSON object, Gunicorn's own included."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from checks.stage_10.deployment import Service
from checks.support import expect, fail

FIELDS = ("request_id", "client", "method", "path", "status", "duration_ms")


def _access_line(service: Service, request_id: str) -> dict:
    backend = service.backends[0]
    line = backend.wait_for_log(lambda entry: entry.get("request_id") == request_id, timeout=3)
    if line is None:
        fail(
            f"no JSON line of the backend's output carries request_id {request_id!r}; its last "
            f"lines:\n{backend.log_tail(6)}",
            expected="one access line per request, with its request id",
        )
    return line


@pytest.mark.req("10.6")
def test_each_request_gets_an_access_line_with_its_request_id(service: Service) -> None:
    backend = service.backends[0]
    sent_id = f"probe-{uuid.uuid4().hex[:12]}"
    answer = httpx.get(f"{backend.url}/api/v2/products", headers={"X-Request-ID": sent_id})
    expect(
        answer.headers.get("x-request-id") == sent_id,
        "the response does not carry the client's X-Request-ID back",
        expected=f"X-Request-ID: {sent_id}",
        response=answer,
    )
    line = _access_line(service, sent_id)
    absent = [name for name in FIELDS if name not in line]
    expect(
        not absent,
        f"the access line lacks {', '.join(absent)}: {json.dumps(line)}",
        expected=f"fields {', '.join(FIELDS)}",
    )
    wanted = {"method": "GET", "path": "/api/v2/products", "status": 200, "client": "127.0.0.1"}
    wrong = {name: line.get(name) for name, value in wanted.items() if line.get(name) != value}
    expect(not wrong, f"the access line says {wrong}: {json.dumps(line)}", expected=str(wanted))
    expect(
        isinstance(line.get("duration_ms"), int | float),
        f"duration_ms is {line.get('duration_ms')!r}",
        expected="a number of milliseconds",
    )
    unnamed = httpx.get(f"{backend.url}/health")
    made_up = unnamed.headers.get("x-request-id")
    expect(
        bool(made_up),
        "a request without X-Request-ID gets none back",
        response=unnamed,
        expected="a new X-Request-ID",
    )
    _access_line(service, str(made_up))


@pytest.mark.req("10.6")
def test_every_line_a_backend_writes_is_json(service: Service) -> None:
    backend = service.backends[0]
    httpx.get(f"{backend.url}/health")
    lines = [line for line in backend.log_lines() if line.strip()]
    expect(lines, "the backend wrote nothing at all", expected="JSON lines")
    for line in lines:
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            fail(
                f"a line of the backend's output is not a JSON object:\n{line[:300]}",
                expected="every line, Gunicorn's start-up lines included, one JSON object "
                "(logconfig_dict in deploy/gunicorn.conf.py)",
            )
        if not ({"message", "event"} & value.keys() and {"level", "status"} & value.keys()):
            fail(
                f"a JSON line says neither what happened nor how much it matters:\n{line[:300]}",
                expected='"message" (or "event") and "level" (or "status") in every line',
            )
