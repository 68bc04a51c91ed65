from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException


def problem(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None, **more: Any
) -> JSONResponse:
    """An RFC 9457 problem: the five standard members, then any extensions."""
    body = {
        "type": "about:blank",  # "nothing beyond what the status says"
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **more,
    }
    return JSONResponse(body, status, headers, media_type="application/problem+json")


def is_v2(request: Request) -> bool:
    return request.url.path.startswith("/api/v2/")


# StarletteHTTPException, not FastAPI's: the router's own 404 and 405 are Starlette's.
async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if not is_v2(request):
        return await http_exception_handler(request, exc)  # v1 keeps {"detail": ...}
    # exc.headers: a 401 keeps its WWW-Authenticate, a 405 its Allow.
    return problem(request, exc.status_code, str(exc.detail), exc.headers)


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    if not is_v2(request):
        return await request_validation_exception_handler(request, exc)
    # loc is ("body", "price") or ("query", "limit"): the first part is where it came from.
    errors = [
        {"field": ".".join(str(part) for part in error["loc"][1:]), "message": error["msg"]}
        for error in exc.errors()
    ]
    return problem(request, 422, "The request is not valid.", errors=errors)


app = FastAPI(
    exception_handlers={
        StarletteHTTPException: http_error,
        RequestValidationError: validation_error,
    }
)


@app.get("/api/v1/products/{product_id}")
@app.get("/api/v2/products/{product_id}")
async def read_product(product_id: int) -> dict[str, int]:
    raise HTTPException(404, "Product not found")
