from functools import cache
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

v1 = APIRouter(prefix="/api/v1", tags=["products"], deprecated=True)
v2 = APIRouter(prefix="/api/v2", tags=["products"])


@v1.get("/products")
async def list_products_v1() -> list[dict[str, float]]:
    return [{"price": 12.5}]


@v2.get("/products")
async def list_products_v2() -> dict[str, list[dict[str, str]]]:
    return {"items": [{"price": "12.50"}]}


def docs_for(version: str, api: APIRouter) -> APIRouter:
    """/api/vN/openapi.json and /api/vN/docs, built from that version's routes alone."""
    docs = APIRouter(prefix=f"/api/v{version}", include_in_schema=False)

    @cache  # the routes do not change once the app is built: make the document once
    def document() -> dict[str, Any]:
        return get_openapi(title="Shop API", version=version, routes=api.routes)

    @docs.get("/openapi.json")
    async def openapi() -> dict[str, Any]:
        return document()

    @docs.get("/docs")
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=f"/api/v{version}/openapi.json", title=f"v{version}")

    return docs


app = FastAPI()  # its own /openapi.json and /docs still show both versions
for version, api in (("1", v1), ("2", v2)):
    app.include_router(api)
    app.include_router(docs_for(version, api))
