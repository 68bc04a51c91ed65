import logging
import re
import time
from uuid import uuid4

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("shop.access")
# A client's own id goes into headers and logs: only a short, harmless one is kept.
CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class AccessLogMiddleware:
    """Pure ASGI: one access line per request, and its id sent back, without
    touching the body (a streamed response stays streamed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # the lifespan, a websocket
            await self.app(scope, receive, send)
            return
        sent = Headers(scope=scope).get("x-request-id")
        request_id = sent if sent and CLIENT_ID.fullmatch(sent) else uuid4().hex
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before it answers

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:  # written whatever happened, an exception included
            # Behind a trusted proxy, uvicorn has already put the address from
            # X-Forwarded-For here: the client's, not the proxy's.
            client = scope.get("client")
            fields = {
                "request_id": request_id,
                "client": client[0] if client else None,
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }
            access_log.info("request", extra={"fields": fields})


app = FastAPI()
app.add_middleware(AccessLogMiddleware)


@app.get("/products")
async def list_products() -> list[str]:
    return ["lamp"]


@app.get("/boom")
async def boom() -> None:
    raise RuntimeError("the app failed")
