"""v2's product lists by department, paged by cursor."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import RepositoryDep
from app.schemas.common import Category
from app.schemas.v2 import Page, ProductFilter, ProductPublic, page_of

router = APIRouter(prefix="/categories", tags=["products"])


@router.get("/{category}/products")
async def list_category_products(
    category: Category, filters: Annotated[ProductFilter, Query()], repository: RepositoryDep
) -> Page[ProductPublic]:
    """One category's products, filtered and paged as GET /api/v2/products does."""
    return page_of(await repository.products.search_after(filters, category))
