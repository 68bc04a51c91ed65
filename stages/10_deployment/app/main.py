"""The Shop API: builds the application from its parts, and holds no route.

Every route lives in a router (app/api/): the unversioned meta routes, one
package per API version, the per-version documentation and the redirects from
the stage 8 paths. This module only puts them together, with the lifespan, the
middleware and the exception handlers, which are the app's and no router's.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api import docs, legacy, meta, problems, v1, v2
from app.core.config import get_settings
from app.core.database import create_sessionmaker, make_async_engine
from app.core.middleware import (
    AccessLogMiddleware,
    RequestIdMiddleware,
    V1DeprecationMiddleware,
)
from app.core.security import Passwords
from app.services.accounts import create_first_admin


class State(TypedDict):
    """What the lifespan hands to every request, as `request.state`."""

    sessions: async_sessionmaker[AsyncSession]
    passwords: Passwords


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    """Open the database at startup, and close it at shutdown.

    The engine is made here, from the settings of the process that serves the
    app, not at import: importing app.main opens nothing, and each process
    (a test, a reload, a worker) gets an engine for its own DATABASE_URL.

    It creates no table: the schema is Alembic's (`alembic upgrade head`,
    a release step run once before the app starts, not by each worker).
    """
    settings = get_settings()
    engine = make_async_engine(settings.database_url)
    sessions = create_sessionmaker(engine)
    # One hasher per process, with the costs from the settings.
    passwords = Passwords(
        memory_cost=settings.argon2_memory_cost, time_cost=settings.argon2_time_cost
    )
    await create_first_admin(sessions, settings, passwords)
    try:
        yield {"sessions": sessions, "passwords": passwords}
    finally:
        # Close every pooled connection, rather than leave them to the
        # garbage collector (or to a database that counts them).
        await engine.dispose()


app = FastAPI(
    title="Shop API",
    version="2.0.0",
    description="A small shop API with users, products and orders, built stage by stage "
    "in the FastAPI Workbook. Each version has its own documentation: "
    "[v2](/api/v2/docs), and [v1](/api/v1/docs) (deprecated).",
    # Startup and shutdown: open the database, then close it.
    lifespan=lifespan,
)
app.include_router(meta.router)
app.include_router(v1.router)
app.include_router(v2.router)
app.include_router(docs.router)
# Last: the old paths only redirect, and match nothing the versions answer.
app.include_router(legacy.router)
# Errors as problem details under /api/v2, as before everywhere else.
app.add_exception_handler(StarletteHTTPException, problems.http_error)
app.add_exception_handler(RequestValidationError, problems.validation_error)
# One access line per request, whatever answered it. Added before the request
# id middleware, so it runs inside it and finds the id already set.
app.add_middleware(AccessLogMiddleware)
# Wraps every request, whatever answers it: a route, a 404 for an unknown
# path, a 422, or a 500 when the app fails.
app.add_middleware(RequestIdMiddleware)
# Added last, so it wraps the one above: the 500 that RequestIdMiddleware
# sends when the app fails gets v1's headers too.
app.add_middleware(V1DeprecationMiddleware)
