"""v1's product lists by department: GET /api/v1/categories/{category}/products.

A module of its own because its paths start with /categories, not /products:
a router's prefix is the start that all of its paths share.
"""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import PaginatorDep, RepositoryDep
from app.schemas.common import Category
from app.schemas.v1 import ProductFilter, ProductPublic

router = APIRouter(prefix="/categories", tags=["products"])


@router.get("/{category}/products")
async def list_category_products(
    category: Category,
    filters: Annotated[ProductFilter, Query()],
    repository: RepositoryDep,
    paginator: PaginatorDep,
) -> list[ProductPublic]:
    """One category's products, filtered and paged as GET /products does."""
    return paginator.paginate(await repository.products.search(filters, category))
