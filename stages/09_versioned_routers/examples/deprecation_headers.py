from datetime import UTC, datetime
from email.utils import format_datetime

from fastapi import APIRouter, FastAPI, HTTPException
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class DeprecationHeadersMiddleware:
    """Tells every client of an old version, in every answer, that it is old."""

    def __init__(
        self, app: ASGIApp, *, old: str, new: str, deprecated_at: datetime, sunset_at: datetime
    ) -> None:
        # RFC 9745: the Sunset MUST NOT come before the Deprecation.
        if sunset_at <= deprecated_at:
            raise ValueError("the sunset must come after the deprecation")
        self.app, self.old, self.new = app, old, new
        self.deprecation = f"@{int(deprecated_at.timestamp())}"  # RFC 9745: @ + Unix seconds
        self.sunset = format_datetime(sunset_at.astimezone(UTC), usegmt=True)  # RFC 8594

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if path != self.old and not path.startswith(self.old + "/"):  # not /api/v10
            await self.app(scope, receive, send)
            return
        successor = self.new + path.removeprefix(self.old)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Deprecation"] = self.deprecation
                headers["Sunset"] = self.sunset
                headers.append("Link", f'<{successor}>; rel="successor-version"')
            await send(message)

        # Wrapping `send` reaches every response: a route's, a 404, a 422, a 500.
        await self.app(scope, receive, send_with_headers)


v1 = APIRouter(prefix="/api/v1", deprecated=True)  # "deprecated": true in the schema
v2 = APIRouter(prefix="/api/v2")


@v1.get("/products/{product_id}")
@v2.get("/products/{product_id}")
async def read_product(product_id: int) -> dict[str, int]:
    if product_id != 1:
        raise HTTPException(404, "Product not found")
    return {"id": product_id}


app = FastAPI()
app.include_router(v1)
app.include_router(v2)
app.add_middleware(
    DeprecationHeadersMiddleware,
    old="/api/v1",
    new="/api/v2",
    deprecated_at=datetime(2026, 12, 1, tzinfo=UTC),
    sunset_at=datetime(2027, 6, 1, tzinfo=UTC),
)
