"""A whole HTTP exchange with the app in one trip to its event loop.

Starlette's TestClient runs the app in a thread of its own and streams each
response back; every request crosses between the check's thread and the app's
eight times, and each crossing costs a fraction of a millisecond. A check never
streams: it wants the status, the headers and the whole body. So this transport
hands the app the request and takes back the finished response in a single
call into the app's event loop. Everything else stays the TestClient's: the
same event loop and lifespan, the same scope, and the same rule for exceptions
(raised in the check unless the client was made with
raise_server_exceptions=False, when one raised before any response is a 500).

It reads nothing of Starlette's private transport (`_TestClientTransport`):
what a scope needs comes from the TestClient's public constructor arguments and
its `app` and `app_state` (see `Settings`), and the TestClient's own transport
is kept only to hand it, through httpx's public `BaseTransport` methods, what
this one does not serve. The scope is the one Starlette 1.10.0 builds (the
version requirements.lock pins; tests/test_grading_engine.py compares the two).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import anyio
import httpx2 as httpx

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, kw_only=True)
class Settings:
    """What a TestClient puts into every scope, taken from public places: its
    constructor's arguments and its `app` and `app_state` attributes."""

    app: Any
    app_state: dict[str, Any]
    root_path: str = ""
    client: tuple[str, int] = ("testclient", 50000)
    raise_server_exceptions: bool = True


def http_scope(request: httpx.Request, settings: Settings) -> dict[str, Any]:
    """The ASGI scope of `request`, as the TestClient would build it."""
    url = request.url
    headers = [
        (key.lower().encode(), value.encode()) for key, value in request.headers.multi_items()
    ]
    if "host" not in request.headers:
        headers.insert(0, (b"host", url.netloc))
    return {
        "type": "http",
        "http_version": "1.1",
        "method": request.method,
        "path": unquote(url.path),
        "raw_path": url.raw_path.split(b"?", 1)[0],
        "root_path": settings.root_path,
        "scheme": url.scheme,
        "query_string": url.query,
        "headers": headers,
        "client": settings.client,
        "server": [url.raw_host.decode("ascii"), url.port or DEFAULT_PORTS[url.scheme]],
        # As Starlette's: the app may send debug and trailer messages (ignored here).
        "extensions": {"http.response.debug": {}, "http.response.trailers": {}},
        "state": settings.app_state.copy(),
    }


class OneTripTransport(httpx.BaseTransport):
    """Used by RecordingClient in place of the TestClient's own transport,
    which still serves what this one does not (WebSockets, a client used
    outside `with`, where there is no running event loop to call into)."""

    def __init__(self, client: TestClient, fallback: httpx.BaseTransport, settings: Settings):
        self.client = client
        self.fallback = fallback  # the TestClient's own transport, used as any httpx transport
        self.settings = settings

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        portal = self.client.portal
        if portal is None or request.url.scheme not in DEFAULT_PORTS:
            return self.fallback.handle_request(request)
        scope = http_scope(request, self.settings)
        status, headers, body = portal.call(self._exchange, scope, request.read())
        return httpx.Response(status, headers=headers, content=body, request=request)

    async def _exchange(
        self, scope: dict[str, Any], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        status: int | None = None
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []
        answered = anyio.Event()
        request_read = False

        async def receive() -> dict[str, Any]:
            nonlocal request_read
            if not request_read:
                request_read = True
                return {"type": "http.request", "body": body, "more_body": False}
            await answered.wait()  # as a client that waits for the whole answer
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    answered.set()

        try:
            await self.settings.app(scope, receive, send)
        except BaseException:
            if self.settings.raise_server_exceptions:
                raise
        finally:
            answered.set()
        if status is None:
            if self.settings.raise_server_exceptions:
                raise AssertionError("TestClient did not receive any response.")
            return 500, [], b""  # what a real client sees when the app fails first
        return status, headers, b"".join(chunks)

    def close(self) -> None:
        self.fallback.close()
