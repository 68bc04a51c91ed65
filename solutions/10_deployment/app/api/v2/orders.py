"""v2's orders: as v1's, but your list pages by cursor."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status

from app.api.deps import AuditDep, CurrentUserDep, RepositoryDep, signed_in, unit_of_work
from app.schemas.common import OrderCreate, OrderPublic
from app.schemas.v2 import CursorParams, Page, page_of

router = APIRouter(prefix="/orders", tags=["orders"], dependencies=[signed_in])

OrderId = Annotated[int, Path(ge=1)]


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[unit_of_work])
async def create_order(
    order: OrderCreate,
    user: CurrentUserDep,
    response: Response,
    repository: RepositoryDep,
    audit: AuditDep,
) -> OrderPublic:
    """Order a product: its stock goes down by the quantity, and the order is
    stored, in one transaction. 409 when there is not enough stock."""
    # The same one UPDATE as v1's (the repository's): the stock is checked
    # and taken in the database, so 20 orders at once for 5 sell 5.
    if not await repository.products.take_stock(order.product_id, order.quantity):
        if await repository.products.get(order.product_id) is None:
            raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail="Not enough stock")
    created = await repository.orders.add(owner_id=user.id, **order.model_dump())
    response.headers["Location"] = f"/api/v2/orders/{created.id}"
    audit.record("create", "order", created.id)
    return created


@router.get("")
async def list_orders(
    user: CurrentUserDep, page: Annotated[CursorParams, Query()], repository: RepositoryDep
) -> Page[OrderPublic]:
    """Your orders, oldest first, one page of them; next_cursor leads to the next."""
    return page_of(await repository.orders.owned_by_after(user.id, page))


@router.get("/{order_id}")
async def read_order(
    order_id: OrderId, user: CurrentUserDep, repository: RepositoryDep
) -> OrderPublic:
    """One of your orders (an admin: anyone's), or 404."""
    if user.is_admin:
        order = await repository.orders.get(order_id)
    else:
        order = await repository.orders.get_owned(order_id, user.id)
    if order is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Order not found")
    return order
