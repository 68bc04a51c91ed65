"""The app `make run` serves: the learner's `app.main:app`, unchanged, with one
addition made from outside: an unfinished part answers `501 Not Implemented`.

A skeleton's `raise NotImplementedError("TODO 4.3: …")` would otherwise be a
bare `500 Internal Server Error` in the browser, its words only in a traceback
in the server's terminal. Here it answers 501 with the TODO's text and its
requirement id, and the terminal gets one line naming the TODO. The learner's
files are not touched: `fastapi dev --entrypoint workbook.learner.dev_app:app` imports
this module, which imports theirs.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

_TODO = re.compile(r"\bTODO (\d+\.\d+)")
log = logging.getLogger("uvicorn.error")


def todo_of(error: BaseException) -> tuple[str, str] | None:
    """(requirement id, text) of a skeleton's TODO stub, else None."""
    if not isinstance(error, NotImplementedError):
        return None
    text = str(error)
    found = _TODO.search(text)
    return (found[1], text) if found else None


def _answer(method: str, path: str, requirement: str, text: str) -> JSONResponse:
    log.warning("%s %s reached TODO %s, still to do: answered 501", method, path, requirement)
    return JSONResponse(
        status_code=501,
        content={"detail": f"Not implemented yet: {text}", "requirement": requirement},
    )


async def _todo_handler(request: Request, error: Exception) -> Any:
    found = todo_of(error)
    if found is None:
        raise error  # any other NotImplementedError is a real 500, with its traceback
    return _answer(request.method, request.url.path, *found)


class TodoMiddleware:
    """Outermost: a TODO in the learner's own middleware answers 501 too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except NotImplementedError as error:
            found = todo_of(error)
            if found is None or started:
                raise
            response = _answer(scope["method"], scope["path"], *found)
            await response(scope, receive, send)


def install(app: FastAPI) -> FastAPI:
    """Make `app` answer its TODOs with 501 (routes, dependencies, middleware)."""
    app.add_exception_handler(NotImplementedError, _todo_handler)
    app.add_middleware(TodoMiddleware)
    return app


def _learner_app() -> FastAPI:
    from app.main import app as learner_app  # the learner's package, from the folder served

    return install(learner_app)


def __getattr__(name: str) -> Any:
    # Imported lazily, so that importing this module for its helpers (the
    # workbook's tests) does not import a learner's app.
    if name == "app":
        globals()["app"] = _learner_app()
        return globals()["app"]
    raise AttributeError(name)
