"""v2's products: prices as exact decimals with a currency, lists by cursor.

The routes are v1's, on the same repository; what changed is the models they
read and answer (app/schemas/v2.py), and so the contract a client sees.
"""

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Path, Query, Response, status

from app.api.deps import AuditDep, RepositoryDep, admin_only, unit_of_work
from app.api.idempotency import IdempotencyKey, create_product_once
from app.data.repository import ConflictError
from app.schemas.common import Product
from app.schemas.v2 import (
    Money,
    Page,
    PriceChanges,
    ProductCreate,
    ProductFilter,
    ProductPublic,
    ProductUpdate,
    page_of,
)

router = APIRouter(prefix="/products", tags=["products"])

ProductId = Annotated[int, Path(ge=1)]
ADMIN_WRITE = [admin_only, unit_of_work]


def _not_found() -> HTTPException:
    return HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=ADMIN_WRITE)
async def create_product(
    product: ProductCreate,
    response: Response,
    repository: RepositoryDep,
    audit: AuditDep,
    idempotency_key: IdempotencyKey = None,
) -> ProductPublic:
    """Create a product from the JSON body; the server assigns the id.

    A retry that carries the Idempotency-Key of an earlier request, with the
    same body, gets that product back as it is now, and nothing new is
    created; 404 if it was deleted since. The same key with another body is
    a 422.
    """
    created = await create_product_once(product, idempotency_key, repository, audit)
    response.headers["Location"] = f"/api/v2/products/{created.id}"
    return created


@router.get("")
async def list_products(
    filters: Annotated[ProductFilter, Query()], repository: RepositoryDep
) -> Page[ProductPublic]:
    """Products oldest first: searched by name, filtered by price and tags,
    one page at a time; next_cursor leads to the next."""
    return page_of(await repository.products.search_after(filters))


@router.post("/price-changes", dependencies=ADMIN_WRITE)
async def change_prices(
    batch: PriceChanges, repository: RepositoryDep, audit: AuditDep
) -> list[ProductPublic]:
    """Reprice several products at once, in order: every change is made, or none.

    An unknown product answers 404, and then no price has changed.
    """
    changed: list[Product] = []
    for change in batch.changes:
        product = await repository.products.update(change.product_id, price=change.price)
        if product is None:
            raise _not_found()
        changed.append(product)
    for product in changed:
        audit.record("update", "product", product.id)
    return changed


@router.get("/{product_id}")
async def read_product(product_id: ProductId, repository: RepositoryDep) -> ProductPublic:
    """One product, or 404 when there is none with this id."""
    product = await repository.products.get(product_id)
    if product is None:
        raise _not_found()
    return product


@router.put("/{product_id}", dependencies=ADMIN_WRITE)
async def replace_product(
    product_id: ProductId, product: ProductCreate, repository: RepositoryDep, audit: AuditDep
) -> ProductPublic:
    """Replace a whole product. The body is a complete product, as for a create:
    a field left out takes its default, it does not keep its old value."""
    replaced = await repository.products.update(product_id, **product.model_dump())
    if replaced is None:
        raise _not_found()
    audit.record("update", "product", product_id)
    return replaced


@router.patch("/{product_id}", dependencies=ADMIN_WRITE)
async def update_product(
    product_id: ProductId, changes: ProductUpdate, repository: RepositoryDep, audit: AuditDep
) -> ProductPublic:
    """Change some fields of a product: those in the body, and no others."""
    updated = await repository.products.update(product_id, **changes.model_dump(exclude_unset=True))
    if updated is None:
        raise _not_found()
    audit.record("update", "product", product_id)
    return updated


@router.delete("/{product_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=ADMIN_WRITE)
async def delete_product(product_id: ProductId, repository: RepositoryDep, audit: AuditDep) -> None:
    """Delete a product: 204 and no body; 404 when there is none with this id,
    409 when orders point at it."""
    try:
        deleted = await repository.products.delete(product_id)
    except ConflictError:
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT, detail="Product has orders"
        ) from None
    if not deleted:
        raise _not_found()
    audit.record("delete", "product", product_id)


@router.patch("/{product_id}/price", dependencies=ADMIN_WRITE)
async def update_product_price(
    product_id: ProductId,
    price: Annotated[Money, Body(embed=True)],
    repository: RepositoryDep,
    audit: AuditDep,
    dry_run: bool = False,
) -> ProductPublic:
    """Set one product's price ({"price": "9.50"}); with ?dry_run=true, show the
    result but keep the old price."""
    if dry_run:
        product = await repository.products.get(product_id)
        updated = product.model_copy(update={"price": price}) if product else None
    else:
        updated = await repository.products.update(product_id, price=price)
    if updated is None:
        raise _not_found()
    if not dry_run:
        audit.record("update", "product", product_id)
    return updated
