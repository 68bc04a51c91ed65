"""White-box probes, for what HTTP alone cannot tell: code of the check's own
run inside or around the learner's app.

- A probe route: `app.add_api_route(PROBE, endpoint, dependencies=[…])` adds a
  route of the check's to the learner's app, which asks for the learner's
  dependencies as any route does (stage 6's sessions, stage 5's request state).
  Keep its path under `PREFIX`, where no stage's routes live.
- `run_middleware(cls)` runs a pure ASGI middleware once, on its own, around an
  app that answers 204: a TODO stub in it raises, so the check says "to do".
"""

from __future__ import annotations

import asyncio
from typing import Any

# Where the checks' own probe routes live in a learner's app.
PREFIX = "/__workbook_check__"


def run_middleware(middleware: Any, path: str = "/") -> list[dict[str, Any]]:
    """Send one GET `path` through `middleware(app)` around an app that answers
    204; returns the ASGI messages the middleware sent."""
    sent: list[dict[str, Any]] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(middleware(inner)(scope, receive, send))
    return sent
