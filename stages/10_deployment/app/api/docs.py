"""One OpenAPI document and one Swagger UI page per API version.

The app's own /openapi.json and /docs show both versions at once. A client of
v2 should not wade through v1, and v1's remaining clients still read v1's
document, so each version also has its own, at /api/vN/openapi.json, with its
page at /api/vN/docs. Both are built with FastAPI's own tools, from the
version's router alone: `get_openapi(routes=…)` reads only those routes.

Not a mounted sub-application per version (`app.mount("/api/v1", v1_app)`),
which would have its own docs for free: a mounted app has its own lifespan and
its own dependency_overrides, so it would share neither the database nor the
tests' overrides with the rest.
"""

from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse

from app.api import v1, v2


def version_docs(api: APIRouter, *, version: str, title: str, description: str) -> APIRouter:
    """/openapi.json and /docs under `api`'s prefix, for `api`'s routes only."""
    docs = APIRouter(prefix=api.prefix, include_in_schema=False)

    # Made once (per root_path), as FastAPI makes its own: the routes do not
    # change once the app is built.
    @cache
    def document(root_path: str) -> dict[str, Any]:
        schema = get_openapi(
            title=title,
            version=version,
            description=description,
            routes=api.routes,
            # Behind a proxy that mounts the app under a prefix (root_path),
            # the paths are relative to it, as in FastAPI's own document.
            servers=[{"url": root_path}] if root_path else None,
        )
        # Both versions share one security scheme (get_current_user is one
        # function for both), whose tokenUrl names one login route. In this
        # version's document, Swagger UI's Authorize button must log in
        # through this version's own POST …/auth/token.
        for scheme in schema.get("components", {}).get("securitySchemes", {}).values():
            password_flow = scheme.get("flows", {}).get("password")
            if password_flow is not None:
                password_flow["tokenUrl"] = f"{root_path}{api.prefix}/auth/token"
        return schema

    @docs.get("/openapi.json")
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(document(request.scope.get("root_path", "")))

    @docs.get("/docs")
    async def swagger_ui(request: Request) -> HTMLResponse:
        root_path = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root_path}{api.prefix}/openapi.json", title=f"{title} - Swagger UI"
        )

    return docs


router = APIRouter()
router.include_router(
    version_docs(
        v1.router,
        version="1.0.0",
        title="Shop API v1 (deprecated)",
        description="The stage 8 API. Deprecated: every response says when it goes "
        "(the Sunset header) and where to (the successor-version Link). "
        "Move to [v2](/api/v2/docs).",
    )
)
router.include_router(
    version_docs(
        v2.router,
        version="2.0.0",
        title="Shop API v2",
        description="Prices as exact decimals with a currency, lists paged by cursor, "
        "errors as RFC 9457 problem details.",
    )
)
