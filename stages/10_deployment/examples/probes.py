import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI, Request, Response, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


class State(TypedDict):
    engine: AsyncEngine


def make_app(database_url: str, ready_timeout: float = 2.0) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        # Creating an engine connects to nothing: a replica starts, and says
        # it is alive, even while its database is down.
        engine = create_async_engine(database_url)
        try:
            yield {"engine": engine}
        finally:
            await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        """Liveness: the process answers. Nothing else is asked."""
        return {"status": "ok"}

    @app.get("/ready")
    async def ready(request: Request, response: Response) -> dict[str, str]:
        """Readiness: this replica can serve a request that needs the database."""
        try:
            # A probe that hangs is worse than one that says no: give up in time.
            async with asyncio.timeout(ready_timeout):
                async with request.state.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError, TimeoutError):
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
            # Say what failed, not the driver's message (it can name hosts and users).
            return {"status": "unavailable", "detail": "the database does not answer"}
        return {"status": "ready"}

    return app


app = make_app("sqlite+aiosqlite:///./shop.db")
