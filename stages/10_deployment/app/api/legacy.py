"""The stage 8 paths, which moved under /api/v1: each answers a permanent redirect.

Clients written before the versions keep calling /products. 308 Permanent
Redirect tells them where it went, and, unlike 301 and 302, it promises that
the client sends the same method and body again: a POST stays a POST.
"""

from fastapi import APIRouter, Request, status
from fastapi.responses import RedirectResponse

# The first segment of every path stage 8 answered, but for / and /health,
# which stay where they are. Only these redirect: /productsXYZ or /nope is
# still a 404, not a redirect to one.
MOVED = ("auth", "users", "products", "categories", "orders", "outbox", "audit")
# Every method: a method the old path did not have is v1's to refuse (405).
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# include_in_schema=False: a signpost, not part of the API, so not in /docs.
router = APIRouter(include_in_schema=False)


async def redirect_to_v1(request: Request) -> RedirectResponse:
    """The same path and query string, under /api/v1."""
    # root_path is where a proxy mounted the app (stage 10): it stays in front.
    root = request.scope.get("root_path", "")
    url = f"{root}/api/v1{request.url.path.removeprefix(root)}"
    if request.url.query:
        url += f"?{request.url.query}"
    return RedirectResponse(url, status_code=status.HTTP_308_PERMANENT_REDIRECT)


for first in MOVED:
    # Two routes each, /products and /products/…: the prefix alone would match
    # /productsXYZ too.
    for path in (f"/{first}", f"/{first}/{{rest:path}}"):
        router.add_api_route(path, redirect_to_v1, methods=METHODS)
