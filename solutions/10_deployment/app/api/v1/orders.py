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
    # One UPDATE checks the stock and takes from it: no other request can
    # slip in between the check and the change.
    if not await repository.products.take_stock(order.product_id, order.quantity):
        # Nothing was taken; say why.
        if await repository.products.get(order.product_id) is None:
            raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail="Not enough stock")
    # The owner is whoever is signed in, never a field of the body.
    created = await repository.orders.add(owner_id=user.id, **order.model_dump())
    response.headers["Location"] = f"/api/v1/orders/{created.id}"
    audit.record("create", "order", created.id)
    return created


@router.get("")
async def list_orders(
    user: CurrentUserDep,
    page: Annotated[Page, Query()],
    repository: RepositoryDep,
    paginator: PaginatorDep,
) -> list[OrderPublic]:
    """Your orders, oldest first, one page of them."""
    return paginator.paginate(await repository.orders.owned_by(user.id, page))


@router.get("/{order_id}")
async def read_order(
    order_id: OrderId, user: CurrentUserDep, repository: RepositoryDep
) -> OrderPublic:
    """One of your orders (an admin: anyone's), or 404."""
    # Filtered in the query: another user's order is "not found", exactly as
    # an id that does not exist, so ids cannot be probed (OWASP API1, BOLA).
    if user.is_admin:
        order = await repository.orders.get(order_id)
    else:
        order = await repository.orders.get_owned(order_id, user.id)
    if order is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Order not found")
    return order
