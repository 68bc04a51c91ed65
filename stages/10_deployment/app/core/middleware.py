"""Middleware: code that wraps the whole app, around every request.

A dependency only runs for a request that reaches a route, so whatever it adds
to the response is missing from a 404 for an unknown path, a 422 and a 500. A
middleware sees every request and every response, whatever answered it.

Both are plain ASGI middleware (a class called with scope, receive and send),
not `BaseHTTPMiddleware`: they add headers to the response's first message
and leave the body alone, so a streamed response stays streamed.
"""

import logging
import re
import time
from datetime import UTC
from email.utils import format_datetime
from uuid import uuid4

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import get_settings

access_log = logging.getLogger("app.access")
error_log = logging.getLogger("app.error")

# A request id ends up in response headers and log lines: a client's own is
# used only when it is short and made of harmless characters.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """Give every HTTP request an id, and send it back as `X-Request-ID`.

    The id is the client's `X-Request-ID` when it sent a valid one (1–64
    letters, digits, ".", "_" or "-"), else a new one. Routes and dependencies
    read it as `request.state.request_id`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # the lifespan, or a websocket
            await self.app(scope, receive, send)
            return

        # Header names are case-insensitive: Headers looks them up in any case.
        sent_id = Headers(scope=scope).get("x-request-id")
        request_id = sent_id if sent_id and _CLIENT_ID.fullmatch(sent_id) else uuid4().hex
        # request.state is a view of scope["state"]; keep what the lifespan put there.
        scope.setdefault("state", {})["request_id"] = request_id

        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # The app failed before it answered. Starlette's ServerErrorMiddleware,
            # outside this one, would send a 500 without the id: send it here,
            # then raise again so that the error is still logged.
            if not response_started:
                error = PlainTextResponse(
                    "Internal Server Error", status_code=500, headers={"X-Request-ID": request_id}
                )
                await error(scope, receive, send)
            raise


class AccessLogMiddleware:
    """Write one access line per HTTP request, once its response has begun.

    The line carries the request id (RequestIdMiddleware, outside this one,
    set it), the client's address, the method, the path, the status and how
    long the app took to answer. Behind a proxy the client is the proxy's
    caller: uvicorn has already applied X-Forwarded-For from a trusted proxy
    (Gunicorn's forwarded_allow_ips) to `scope["client"]`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # TODO 10.6: note when the request began and the status its response
        # starts with, and once it is done (whatever happened) log one line,
        # access_log.info("request", extra={"fields": {...}}), with request_id,
        # client, method, path, status and duration_ms.
        await self.app(scope, receive, send)


class V1DeprecationMiddleware:
    """Tell every client of API version 1, in every answer, that it is going.

    Each response under /api/v1, whatever answered it (a route, a 404 for an
    unknown path, a 422, a 500), carries three headers:

        Deprecation: @1796083200                          (RFC 9745)
        Sunset: Tue, 01 Jun 2027 00:00:00 GMT             (RFC 8594)
        Link: </api/v2/products/7>; rel="successor-version"

    Deprecation is a structured date, "@" and the Unix time in seconds; Sunset
    an HTTP date, always in GMT; the Link names the same resource in v2. The
    dates are V1_DEPRECATED_AT and V1_SUNSET_AT from the settings. A client
    library can warn its users from these alone, long before the sunset.
    """

    PREFIX = "/api/v1"
    SUCCESSOR = "/api/v2"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The path within the app: a proxy's prefix (root_path) comes first.
        root = scope.get("root_path", "")
        path = scope["path"].removeprefix(root)
        # "/api/v1" and "/api/v1/…", but not "/api/v10".
        if path != self.PREFIX and not path.startswith(self.PREFIX + "/"):
            await self.app(scope, receive, send)
            return

        settings = get_settings()
        deprecation = f"@{int(settings.v1_deprecated_at.timestamp())}"
        # An HTTP date is in GMT: a sunset given in another zone is converted.
        sunset = format_datetime(settings.v1_sunset_at.astimezone(UTC), usegmt=True)
        successor = root + self.SUCCESSOR + path.removeprefix(self.PREFIX)

        async def send_with_notice(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Deprecation"] = deprecation
                headers["Sunset"] = sunset
                # append, not set: a response may carry other links already.
                headers.append("Link", f'<{successor}>; rel="successor-version"')
            await send(message)

        await self.app(scope, receive, send_with_notice)
