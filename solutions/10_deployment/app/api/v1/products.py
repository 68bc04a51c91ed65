"""v1's products: the catalogue, read by anyone and written by admins, with
prices as JSON numbers.

The data layer hands out a `Product` whose price is a Decimal and which has a
currency; each route's return type is v1's ProductPublic, a float price and no
currency, and FastAPI turns every answer into it, as it turns a UserAccount
into a UserPublic. What v1 writes is in euros: the currency column's default.
"""

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Path, Query, Response, status

from app.api.deps import AuditDep, PaginatorDep, RepositoryDep, admin_only, unit_of_work
from app.api.idempotency import IdempotencyKey, create_product_once
from app.data.repository import ConflictError
from app.schemas.common import Product
from app.schemas.v1 import (
    Price,
    PriceChanges,
    ProductCreate,
    ProductFilter,
    ProductPublic,
    ProductUpdate,
)

router = APIRouter(prefix="/products", tags=["products"])

ProductId = Annotated[int, Path(ge=1)]
# Who may write: the same for every write route below.
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
    # Where the new resource lives, so a client need not build the URL itself.
    response.headers["Location"] = f"/api/v1/products/{created.id}"
    return created


@router.get("")
async def list_products(
    filters: Annotated[ProductFilter, Query()], repository: RepositoryDep, paginator: PaginatorDep
) -> list[ProductPublic]:
    """Products oldest first: searched by name, filtered by price and tags, then one page."""
    # Filtered, counted and paged by the database: a page of 20 costs the
    # same with a thousand products as with a million.
    return paginator.paginate(await repository.products.search(filters))


# Declared before /{product_id}: a fixed path first, as ever.
@router.post("/price-changes", dependencies=ADMIN_WRITE)
async def change_prices(
    batch: PriceChanges, repository: RepositoryDep, audit: AuditDep
) -> list[ProductPublic]:
    """Reprice several products at once, in order: every change is made, or none.

    An unknown product answers 404, and then no price has changed: fix the
    batch and send it again as a whole.
    """
    # The 404 is raised after the changes before it were made; the unit of
    # work undoes them.
    changed: list[Product] = []
    for change in batch.changes:
        product = await repository.products.update(change.product_id, price=change.price)
        if product is None:
            raise _not_found()
        changed.append(product)
    # After the loop: a batch that stops with a 404 is undone, and so are its
    # tasks (a route that raises sends none of the tasks it scheduled).
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
    # v1 has no currency field, so a replaced product is priced in euros, as a
    # created one is.
    replaced = await repository.products.update(product_id, **product.model_dump(), currency="EUR")
    if replaced is None:
        raise _not_found()
    audit.record("update", "product", product_id)
    return replaced


@router.patch("/{product_id}", dependencies=ADMIN_WRITE)
async def update_product(
    product_id: ProductId, changes: ProductUpdate, repository: RepositoryDep, audit: AuditDep
) -> ProductPublic:
    """Change some fields of a product: those in the body, and no others."""
    # exclude_unset keeps only the fields the client sent. A plain model_dump()
    # would add every field left out, as None, and wipe the product.
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
        # Orders point at it (a foreign key): they must not point at nothing.
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT, detail="Product has orders"
        ) from None
    if not deleted:
        raise _not_found()
    audit.record("delete", "product", product_id)


@router.patch("/{product_id}/price", dependencies=ADMIN_WRITE)
async def update_product_price(
    product_id: ProductId,
    # embed=True reads {"price": 9.5} rather than a bare 9.5: the body is an
    # object that can gain fields later without breaking a client.
    price: Annotated[Price, Body(embed=True)],
    repository: RepositoryDep,
    audit: AuditDep,
    # A plain bool that is not in the path: a query parameter, ?dry_run=true.
    dry_run: bool = False,
) -> ProductPublic:
    """Set one product's price; with ?dry_run=true, show the result but keep the old price."""
    if dry_run:
        product = await repository.products.get(product_id)
        updated = product.model_copy(update={"price": price}) if product else None
    else:
        updated = await repository.products.update(product_id, price=price)
    if updated is None:
        raise _not_found()
    if not dry_run:  # a dry run changes nothing: nothing to audit
        audit.record("update", "product", product_id)
    return updated
