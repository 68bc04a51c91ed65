from fastapi import APIRouter, FastAPI, Request, status
from fastapi.responses import RedirectResponse

# The first segments of every path the old, unprefixed API answered.
LEGACY = ("products", "orders", "users")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


async def redirect_to_v1(request: Request) -> RedirectResponse:
    url = "/api/v1" + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    # 308, not 301: a client that follows it sends the same method and body again.
    return RedirectResponse(url, status_code=status.HTTP_308_PERMANENT_REDIRECT)


router = APIRouter(include_in_schema=False)  # a signpost, not part of the API
for resource in LEGACY:
    # Two routes per resource, /products and /products/…: /productsXYZ stays a 404.
    for path in (f"/{resource}", f"/{resource}/{{rest:path}}"):
        router.add_api_route(path, redirect_to_v1, methods=METHODS)

v1 = APIRouter(prefix="/api/v1")


@v1.post("/products", status_code=status.HTTP_201_CREATED)
async def create_product(product: dict[str, str]) -> dict[str, str]:
    return product


app = FastAPI()
app.include_router(v1)
app.include_router(router)
