"""API version 2: under /api/v2, on the same layers as v1.

What v2 changes (money, cursor pages, problem details) is in its models and
its error handlers; the dependencies and the repository are v1's, shared, not
copied: a fix to either reaches both versions, and so does a test's override.
"""

from fastapi import APIRouter

from app.api import problems
from app.api.v2 import admin, auth, categories, orders, products, users

# Every v2 error is a problem (RFC 9457): the schema says so, rather than
# FastAPI's default 422, which is v1's {"detail": […]}.
router = APIRouter(prefix="/api/v2", responses=problems.RESPONSES)
router.include_router(auth.router)
router.include_router(users.router)
router.include_router(products.router)
router.include_router(categories.router)
router.include_router(orders.router)
router.include_router(admin.router)
