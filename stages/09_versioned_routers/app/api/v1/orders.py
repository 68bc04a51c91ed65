"""v1's orders: place one, list yours, read one of yours (an admin: anyone's).

Every route here needs a signed-in user, so the router says it once, for all
of them: a route added later is closed too, without anyone remembering to.
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status

from app.api.deps import (
    AuditDep,
    CurrentUserDep,
    PaginatorDep,
    RepositoryDep,
    signed_in,
    unit_of_work,
)
from app.schemas.common import OrderCreate, OrderPublic
from app.schemas.v1 import Page

# TODO 9.1: move stage 8's three order routes here (POST /orders, GET /orders and
# GET /orders/{order_id}: your stages/08_jwt_auth/app/main.py, or
# solutions/08_jwt_auth/app/main.py). Declare the prefix "/orders", the tag
# "orders" and the signed-in dependency once, on this router, then write each
# route with @router.post("") / @router.get("") / @router.get("/{order_id}");
# a new order's Location is /api/v1/orders/{id}. (app/api/v2/orders.py has
# the same routes, paged by cursor.)
router = APIRouter()
