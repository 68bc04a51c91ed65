"""Middleware: code that wraps the whole app, around every request.

A dependency only runs for a request that reaches a route, so whatever it adds
to the response is missing from a 404 for an unknown path, a 422 and a 500. A
middleware sees every request and every response, whatever answered it.
"""

import re
from uuid import uuid4

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A request id ends up in response headers and log lines: a client's own is
# used only when it is short and made of harmless characters.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """Give every HTTP request an id, and send it back as `X-Request-ID`.

    The id is the client's `X-Request-ID` when it sent a valid one (1–64
    letters, digits, ".", "_" or "-"), else a new one. Routes and dependencies
    read it as `request.state.request_id`.

    A plain ASGI middleware (a class called with scope, receive and send), not
    a `BaseHTTPMiddleware`: it adds a header to the response's first message
    and leaves the body alone, so a streamed response stays streamed.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # TODO 5.7: for an HTTP request (scope["type"] == "http"; pass anything else
        # straight to self.app), take the client's X-Request-ID when it is valid, else
        # make one with uuid4().hex; store it in scope["state"]["request_id"]; call
        # self.app with a send() of your own that adds the header to the
        # "http.response.start" message; if the app raises before that message went
        # out, send a 500 with the header yourself, then raise again.
        raise NotImplementedError("TODO 5.7: A middleware gives every response an X-Request-ID (the client's valid one, else a new one)")
