"""The Shop API: one FastAPI application and the routes it answers."""

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from itertools import islice
from typing import Annotated

from fastapi import Body, FastAPI, Header, HTTPException, Path, Query, Response, status
from pydantic import BaseModel

from app.models import (
    Category,
    Page,
    ProductCreate,
    ProductFilter,
    ProductPublic,
    ProductUpdate,
    UserCreate,
    UserPublic,
)
from app.repository import Repository


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Read and validate the settings before the first request: a variable that
    does not parse (ACCESS_TOKEN_EXPIRE_MINUTES=abc) stops the start with an
    error that names it, instead of a 500 on the first request that asks."""
    # TODO 5.2: call get_settings() here, before the yield.
    yield


app = FastAPI(
    lifespan=lifespan,
    title="Shop API",
    version="1.0.0",
    description="A small shop API with users and products, built stage by stage "
    "in the FastAPI Workbook.",
)
# TODO 5.7: add RequestIdMiddleware (app/middleware.py) to the app, with
# app.add_middleware(…), so that it wraps every request.


# Ids are handed out from 1 up, so 0 or -3 cannot name anything: saying so in
# the type answers 422 before a lookup, and documents the bound in /docs.
ProductId = Annotated[int, Path(ge=1)]
UserId = Annotated[int, Path(ge=1)]


# Return types: FastAPI validates each response against them and documents its
# shape in the OpenAPI schema (stage 2 is all about models).
class Greeting(BaseModel):
    message: str


class Health(BaseModel):
    status: str


class CurrentUser(BaseModel):
    username: str


# Everything the shop keeps, in memory: it lives as long as the process (a
# reload empties it). The routes read and write through it, and nothing else.
# TODO 5.1: delete this global: app/dependencies.py makes the one repository,
# and get_repository() hands it out.
repository = Repository()
# What each Idempotency-Key created (the body it came with, and the new
# product's id), so that a retried POST answers as the first one did instead
# of creating a second product.
# TODO 5.1: move these keys into the repository (Repository.created_by_key).
_created_by_key: dict[str, tuple[ProductCreate, int]] = {}


@app.get("/", tags=["meta"])
def read_root() -> Greeting:
    """A welcome message: the quickest way to see that the API answers."""
    # TODO 5.2: take `settings: SettingsDep` and greet with settings.app_name.
    return Greeting(message="Welcome to the Shop API")


@app.get("/health", tags=["meta"])
def read_health() -> Health:
    """Liveness probe for load balancers and orchestrators."""
    return Health(status="ok")


# Routes are matched in the order they are declared, and "me" fits the
# {user_id} pattern below (then fails as an integer): the fixed path goes first.
@app.get("/users/me", tags=["users"])
def read_current_user() -> CurrentUser:
    """The current user. Until sign-in exists, every client is the guest."""
    # Logins arrive in stage 8; until then there is no one else to be.
    return CurrentUser(username="guest")


@app.get("/users/{user_id}", tags=["users"])
def read_user(user_id: UserId) -> UserPublic:
    """One user by id, or 404 when there is none with this id."""
    # TODO 5.1: take `repository: RepositoryDep` instead of the global.
    user = repository.users.get(user_id)
    if user is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")
    return user


@app.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["users"])
def delete_user(user_id: UserId) -> None:
    """Delete a user; 204 and no body, or 404 when there is none with this id."""
    # TODO 5.1: take `repository: RepositoryDep` instead of the global.
    # TODO 5.4: run in the unit of work: dependencies=[unit_of_work] on the decorator.
    if not repository.users.delete(user_id):
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")


@app.post("/users", status_code=status.HTTP_201_CREATED, tags=["users"])
def create_user(user: UserCreate, response: Response) -> UserPublic:
    """Register a user; the answer never includes the password."""
    # TODO 5.1: take `repository: RepositoryDep` instead of the global.
    # TODO 5.4: run in the unit of work: dependencies=[unit_of_work] on the decorator.
    # The return type is the filter: only UserPublic's fields go out.
    # Name each field that goes out rather than copying the input: a field
    # added to UserCreate later (a role, a hash) stays private by default.
    created = repository.users.add(username=user.username, email=user.email)
    response.headers["Location"] = f"/users/{created.id}"
    return created


@app.get("/users", tags=["users"])
def list_users(page: Annotated[Page, Query()]) -> list[UserPublic]:
    """Users oldest first, one page of them."""
    # TODO 5.1: take `repository: RepositoryDep` instead of the global.
    # TODO 5.6: take `paginator: PaginatorDep`; return paginator.paginate(…, page).
    return repository.users.all()[page.offset : page.offset + page.limit]


@app.post("/products", status_code=status.HTTP_201_CREATED, tags=["products"])
def create_product(
    product: ProductCreate,
    response: Response,
    # Read from the Idempotency-Key header: FastAPI swaps the underscore for
    # a hyphen, and header names are case-insensitive.
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=255)] = None,
) -> ProductPublic:
    """Create a product from the JSON body; the server assigns the id.

    A retry that carries the Idempotency-Key of an earlier request, with the
    same body, gets that product back as it is now, and nothing new is
    created; 404 if it was deleted since. The same key with another body is
    a 422.
    """
    # TODO 5.1: take `repository: RepositoryDep` instead of the global.
    # TODO 5.4: run in the unit of work: dependencies=[unit_of_work] on the decorator.
    # TODO 5.1: keep the Idempotency-Keys in the repository
    # (repository.created_by_key, KeyUse(body=…, product_id=…)), not in a global.
    if idempotency_key is not None and idempotency_key in _created_by_key:
        body, product_id = _created_by_key[idempotency_key]
        # A key names one request: sent again with another body, it is a
        # client's mistake, not a retry.
        if body != product:
            raise HTTPException(
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail="Idempotency-Key was used with a different body",
            )
        created = repository.products.get(product_id)
        if created is None:
            raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    else:
        created = repository.products.add(**product.model_dump())
        if idempotency_key is not None:
            _created_by_key[idempotency_key] = (product, created.id)
    # Where the new resource lives, so a client need not build the URL itself.
    response.headers["Location"] = f"/products/{created.id}"
    return created


def _select(products: Iterable[ProductPublic], filters: ProductFilter) -> list[ProductPublic]:
    """The products that pass every filter, oldest first, cut to one page.

    Filter first, then page: the other way round, a page could come back
    short, or empty, while matching products wait further on.
    """
    # TODO 5.6: only filter; the Paginator cuts the page (and counts the matches).
    wanted_tags = set(filters.tag)
    # casefold() is lower() done right for every language ("ß" finds "SS").
    search = filters.q.casefold() if filters.q else None
    matching = (
        product
        for product in products
        if (filters.min_price is None or product.price >= filters.min_price)
        and (filters.max_price is None or product.price <= filters.max_price)
        and wanted_tags <= set(product.tags)
        and (search is None or search in product.name.casefold())
    )
    return list(islice(matching, filters.offset, filters.offset + filters.limit))


@app.get("/products", tags=["products"])
def list_products(filters: Annotated[ProductFilter, Query()]) -> list[ProductPublic]:
    """Products oldest first: searched by name, filtered by price and tags, then one page."""
    # TODO 5.1: take `repository: RepositoryDep` instead of the global.
    # TODO 5.6: page through `paginator: PaginatorDep`.
    return _select(repository.products.all(), filters)


@app.get("/products/{product_id}", tags=["products"])
def read_product(product_id: ProductId) -> ProductPublic:
    """One product, or 404 when there is none with this id."""
    # TODO 5.1: take `repository: RepositoryDep` instead of the global.
    product = repository.products.get(product_id)
    if product is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return product


@app.put("/products/{product_id}", tags=["products"])
def replace_product(product_id: ProductId, product: ProductCreate) -> ProductPublic:
    """Replace a whole product. The body is a complete product, as for a create:
    a field left out takes its default, it does not keep its old value."""
    # TODO 5.1: take `repository: RepositoryDep` instead of the global.
    # TODO 5.4: run in the unit of work: dependencies=[unit_of_work] on the decorator.
    replaced = repository.products.update(product_id, **product.model_dump())
    if replaced is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return replaced


@app.patch("/products/{product_id}", tags=["products"])
def update_product(product_id: ProductId, changes: ProductUpdate) -> ProductPublic:
    """Change some fields of a product: those in the body, and no others."""
    # TODO 5.1: take `repository: RepositoryDep` instead of the global.
    # TODO 5.4: run in the unit of work: dependencies=[unit_of_work] on the decorator.
    # exclude_unset keeps only the fields the client sent. A plain model_dump()
    # would add every field left out, as None, and wipe the product.
    updated = repository.products.update(product_id, **changes.model_dump(exclude_unset=True))
    if updated is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return updated


@app.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["products"])
def delete_product(product_id: ProductId) -> None:
    """Delete a product: 204 and no body, or 404 when there is none with this id."""
    # TODO 5.1: take `repository: RepositoryDep` instead of the global.
    # TODO 5.4: run in the unit of work: dependencies=[unit_of_work] on the decorator.
    if not repository.products.delete(product_id):
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")


@app.patch("/products/{product_id}/price", tags=["products"])
def update_product_price(
    product_id: ProductId,
    # embed=True reads {"price": 9.5} rather than a bare 9.5: the body is an
    # object that can gain fields later without breaking a client.
    price: Annotated[float, Body(embed=True, gt=0)],
    # A plain bool that is not in the path: a query parameter, ?dry_run=true.
    dry_run: bool = False,
) -> ProductPublic:
    """Set one product's price; with ?dry_run=true, show the result but keep the old price."""
    # TODO 5.1: take `repository: RepositoryDep` instead of the global.
    # TODO 5.4: run in the unit of work: dependencies=[unit_of_work] on the decorator.
    if dry_run:
        product = repository.products.get(product_id)
        updated = product.model_copy(update={"price": price}) if product else None
    else:
        updated = repository.products.update(product_id, price=price)
    if updated is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return updated


@app.post("/products/price-changes", tags=["products"])
def change_prices() -> list[ProductPublic]:
    """Reprice several products at once, in order: every change is made, or none.

    An unknown product answers 404, and then no price has changed: fix the
    batch and send it again as a whole.
    """
    # TODO 5.4: take `batch: PriceChanges` (app/models.py) and the repository; update
    # each product's price in order; 404 {"detail": "Product not found"} at the
    # first unknown one; run in the unit of work, which undoes the changes before it.
    raise NotImplementedError("TODO 5.4: every price change is made, or none")


@app.get("/categories/{category}/products", tags=["products"])
def list_category_products(
    category: Category, filters: Annotated[ProductFilter, Query()]
) -> list[ProductPublic]:
    """One category's products, filtered and paged as GET /products does."""
    # TODO 5.1: take `repository: RepositoryDep` instead of the global.
    # TODO 5.6: page through `paginator: PaginatorDep`.
    return _select((p for p in repository.products.all() if p.category == category), filters)
