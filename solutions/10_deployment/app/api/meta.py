"""The routes that belong to no version: a greeting and the two probes.

A load balancer or an orchestrator asks two questions of every replica, and
each has its route: /health, is the process alive (if not, restart it), and
/ready, may it take traffic now (if not, send the traffic elsewhere, and wait).
Both answer whichever versions the app serves: a version that goes away must
not take the probes with it.
"""

import asyncio
import logging

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import SessionFactoryDep, SettingsDep

logger = logging.getLogger(__name__)

# A probe that hangs is worse than one that says no: the balancer's own
# timeout would count it as a failure anyway, after holding a connection.
READY_TIMEOUT_SECONDS = 2

router = APIRouter(tags=["meta"])


# Return types: FastAPI validates each response against them and documents its
# shape in the OpenAPI schema.
class Greeting(BaseModel):
    message: str


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    detail: str | None = None


# Routes that await nothing are `async def` too: a plain `def` route is sent
# to a worker thread for each request, for no gain.
@router.get("/")
async def read_root(settings: SettingsDep) -> Greeting:
    """A welcome message: the quickest way to see that the API answers."""
    return Greeting(message=f"Welcome to the {settings.app_name}")


@router.get("/health")
async def read_health() -> Health:
    """Liveness probe: the process answers. It asks nothing of the database,
    so a database outage does not get every replica restarted."""
    return Health(status="ok")


@router.get(
    "/ready",
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Readiness}},
)
async def read_readiness(sessions: SessionFactoryDep, response: Response) -> Readiness:
    """Readiness probe: 200 when this replica can reach the database, 503
    when it cannot, so the load balancer leaves it out until it can."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS), sessions() as session:
            await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        # The reason goes to the log; the answer says only what failed, since
        # a driver's message can name hosts and users.
        logger.warning("not ready: the database does not answer", exc_info=error)
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Readiness(status="unavailable", detail="the database does not answer")
    return Readiness(status="ready")
