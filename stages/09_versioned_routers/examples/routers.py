from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, status


# app/api/deps.py: one home for what every router shares.
def get_current_user(x_user: Annotated[str | None, Header()] = None) -> str:
    if x_user is None:  # stands in for stage 8's token check
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Not authenticated", {"WWW-Authenticate": "Bearer"}
        )
    return x_user


CurrentUserDep = Annotated[str, Depends(get_current_user)]


# app/api/v1/orders.py: the router knows its resource, not where it is mounted.
# The prefix, the tag and the login are said once, for every route below.
router = APIRouter(prefix="/orders", tags=["orders"], dependencies=[Depends(get_current_user)])


@router.get("")  # "" and not "/": the path is /api/v1/orders, with no trailing slash
async def list_orders() -> list[dict[str, int]]:
    return [{"id": 1}]


@router.get("/{order_id}")
async def read_order(order_id: int, user: CurrentUserDep) -> dict[str, int | str]:
    # Asking for the user again costs nothing: FastAPI solves it once a request.
    return {"id": order_id, "owner": user}


# app/api/v1/__init__.py and app/api/v2/__init__.py: a version is a router of routers.
v1 = APIRouter(prefix="/api/v1", deprecated=True)
v1.include_router(router)
v2 = APIRouter(prefix="/api/v2")
v2.include_router(router)  # orders did not change in v2: the same router, twice

# app/main.py: builds the app and puts the pieces together. No route lives here.
app = FastAPI()
app.include_router(v1)
app.include_router(v2)
