"""API version 1: the stage 8 API, under /api/v1, deprecated.

A version is a router of routers: this one puts each resource's router under
/api/v1, and marks every operation deprecated in the OpenAPI schema. (The
Deprecation and Sunset headers come from a middleware, app/core/middleware.py,
which reaches every response, errors included.)
"""

from fastapi import APIRouter

from app.api.v1 import admin, auth, categories, orders, products, users

router = APIRouter(prefix="/api/v1", deprecated=True)
router.include_router(auth.router)
router.include_router(users.router)
router.include_router(products.router)
router.include_router(categories.router)
router.include_router(orders.router)
router.include_router(admin.router)
