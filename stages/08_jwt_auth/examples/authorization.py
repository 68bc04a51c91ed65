from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, status
from pydantic import BaseModel


class User(BaseModel):
    id: int
    is_admin: bool = False


# Stands in for get_current_user: the token is just the user's id here.
USERS = {1: User(id=1, is_admin=True), 2: User(id=2), 3: User(id=3)}
ORDERS = {10: {"id": 10, "owner_id": 2}, 11: {"id": 11, "owner_id": 3}}


def get_current_user(x_user: Annotated[int | None, Header()] = None) -> User:
    if x_user not in USERS:  # who are you? nobody we know: 401
        raise HTTPException(401, "Not authenticated", {"WWW-Authenticate": "Bearer"})
    return USERS[x_user]


CurrentUserDep = Annotated[User, Depends(get_current_user)]


def get_current_admin(user: CurrentUserDep) -> User:
    if not user.is_admin:  # known, but not allowed: 403
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Admins only")
    return user


app = FastAPI()


@app.delete("/products/{product_id}", status_code=204, dependencies=[Depends(get_current_admin)])
def delete_product(product_id: int) -> None:
    """Function level: the route itself is for admins (OWASP API5, BFLA)."""


@app.get("/orders/{order_id}")
def read_order(order_id: int, user: CurrentUserDep) -> dict[str, int]:
    """Object level: this record must be yours (OWASP API1, BOLA)."""
    order = ORDERS.get(order_id)
    if order is None or (order["owner_id"] != user.id and not user.is_admin):
        # Someone else's order answers exactly as a missing one: 404, not 403.
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Order not found")
    return order
