"""v2's errors as RFC 9457 problem details; v1's as they always were.

A problem is a JSON object with a media type of its own,
application/problem+json, so a client knows the shape before it reads the
body, whichever API it comes from:

    {"type": "about:blank", "title": "Not Found", "status": 404,
     "detail": "Product not found", "instance": "/api/v2/products/7"}

"about:blank" says the status says it all, and then the title is the status's
own phrase. A 422 adds `errors`, one for each invalid field.

The routes keep raising HTTPException, in both versions: how an error is
written is the API version's business, not the route's. So the app's exception
handlers look at where the request went: under /api/v2 they answer a problem,
anywhere else they hand over to FastAPI's own handlers, and v1 keeps its
{"detail": …}. They are registered for Starlette's HTTPException, the parent
of FastAPI's: the router's own 404 (no such path) and 405 (no such method)
are Starlette's, and must be problems too.
"""

from http import HTTPStatus
from typing import Any

from fastapi import Request, status
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
V2_PREFIX = "/api/v2"


class Problem(BaseModel):
    """An error, as RFC 9457 writes it."""

    type: str = Field(default="about:blank", description="A URI that names the kind of problem.")
    title: str = Field(description="The kind of problem, in a few words.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong, this time.")
    instance: str = Field(description="The path of the request that went wrong.")


class ValidationProblem(Problem):
    """A 422: the problem, and what was wrong with each field."""

    errors: list[dict[str, str]] = Field(
        description='One for each invalid field: {"field": "price", "message": "…"}; '
        'a field inside a list is named by its path, "changes.0.price".'
    )


# What the v2 router documents for its errors, instead of FastAPI's default
# 422, which describes v1's shape.
RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "description": "A problem (RFC 9457)",
        "content": {PROBLEM_JSON: {"schema": Problem.model_json_schema()}},
    },
    422: {
        "description": "Invalid input: a problem (RFC 9457) that lists the invalid fields",
        "content": {PROBLEM_JSON: {"schema": ValidationProblem.model_json_schema()}},
    },
}


def is_v2(request: Request) -> bool:
    """Whether the request was for API version 2."""
    path = request.url.path.removeprefix(request.scope.get("root_path", ""))
    return path == V2_PREFIX or path.startswith(V2_PREFIX + "/")


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    """The problem as the response, with its own media type."""
    return JSONResponse(
        problem.model_dump(),
        status_code=problem.status,
        # A 401 keeps its WWW-Authenticate, a 405 its Allow.
        headers=headers,
        media_type=PROBLEM_JSON,
    )


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Every HTTPException: a route's (404, 409, 401, 403, 400), or the router's."""
    if not is_v2(request):
        return await http_exception_handler(request, exc)
    problem = Problem(
        title=HTTPStatus(exc.status_code).phrase,
        status=exc.status_code,
        detail=str(exc.detail),
        instance=request.url.path,
    )
    return problem_response(problem, exc.headers)


def _field(error: dict[str, Any]) -> str:
    """The invalid field's name: ("body", "changes", 0, "price") is "changes.0.price",
    ("query", "limit") is "limit".

    The first part of the location says where the field was (body, query,
    path, header). A body that is missing, not JSON or not an object is
    named "body" (for bad JSON, what follows is a character position)."""
    location = tuple(error["loc"])
    if error["type"] == "json_invalid":
        return str(location[0])
    return ".".join(str(part) for part in location[1:]) or str(location[0])


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    """Every 422 that validation raised, before the route ran."""
    if not is_v2(request):
        return await request_validation_exception_handler(request, exc)
    code = status.HTTP_422_UNPROCESSABLE_CONTENT
    problem = ValidationProblem(
        title=HTTPStatus(code).phrase,
        status=code,
        detail="The request is not valid: see errors.",
        instance=request.url.path,
        errors=[{"field": _field(error), "message": error["msg"]} for error in exc.errors()],
    )
    return problem_response(problem)
