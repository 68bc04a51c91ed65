"""The routes that belong to no version: a greeting and a health probe.

A load balancer asks /health whichever versions the app serves, and a version
that goes away must not take the probe with it.
"""

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import SettingsDep

router = APIRouter(tags=["meta"])


# Return types: FastAPI validates each response against them and documents its
# shape in the OpenAPI schema.
class Greeting(BaseModel):
    message: str


class Health(BaseModel):
    status: str


# Routes that await nothing are `async def` too: a plain `def` route is sent
# to a worker thread for each request, for no gain.
@router.get("/")
async def read_root(settings: SettingsDep) -> Greeting:
    """A welcome message: the quickest way to see that the API answers."""
    return Greeting(message=f"Welcome to the {settings.app_name}")


@router.get("/health")
async def read_health() -> Health:
    """Liveness probe for load balancers and orchestrators."""
    return Health(status="ok")
