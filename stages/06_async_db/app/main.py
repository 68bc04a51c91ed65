"""The Shop API: one FastAPI application and the routes it answers."""

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Body, FastAPI, Header, HTTPException, Path, Query, Response, status
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.database import create_sessionmaker, create_tables, make_async_engine
from app.dependencies import (
    PaginatorDep,
    RepositoryDep,
    SettingsDep,
    unit_of_work,
)
from app.middleware import RequestIdMiddleware
from app.models import (
    Category,
    OrderCreate,
    OrderPublic,
    Page,
    PriceChanges,
    ProductCreate,
    ProductFilter,
    ProductPublic,
    ProductUpdate,
    UserCreate,
    UserPublic,
)
from app.repository import KeyUse
from app.settings import get_settings


class State(TypedDict):
    """What the lifespan hands to every request, as `request.state`."""

    sessions: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    """Open the database at startup, and close it at shutdown.

    The engine is made here, from the settings of the process that serves the
    app, not at import: importing app.main opens nothing, and each process
    (a test, a reload, a worker) gets an engine for its own DATABASE_URL.
    """
    # TODO 6.1: make the engine from get_settings().database_url, create the
    # tables, and dispose of the engine after the yield (in a finally).
    get_settings()
    sessions = None  # TODO 6.2: the sessionmaker, from create_sessionmaker(engine)
    yield {"sessions": sessions}


app = FastAPI(
    title="Shop API",
    version="1.0.0",
    description="A small shop API with users and products, built stage by stage "
    "in the FastAPI Workbook.",
    # Startup and shutdown: open the database, then close it.
    lifespan=lifespan,
)
# Wraps every request, whatever answers it: a route, a 404 for an unknown
# path, a 422, or a 500 when the app fails.
app.add_middleware(RequestIdMiddleware)


# Ids are handed out from 1 up, so 0 or -3 cannot name anything: saying so in
# the type answers 422 before a lookup, and documents the bound in /docs.
ProductId = Annotated[int, Path(ge=1)]
UserId = Annotated[int, Path(ge=1)]
OrderId = Annotated[int, Path(ge=1)]


# Return types: FastAPI validates each response against them and documents its
# shape in the OpenAPI schema (stage 2 is all about models).
class Greeting(BaseModel):
    message: str


class Health(BaseModel):
    status: str


class CurrentUser(BaseModel):
    username: str


@app.get("/", tags=["meta"])
def read_root(settings: SettingsDep) -> Greeting:
    """A welcome message: the quickest way to see that the API answers."""
    # TODO 6.8: async def: it awaits nothing, and a plain def costs a thread hop
    return Greeting(message=f"Welcome to the {settings.app_name}")


@app.get("/health", tags=["meta"])
def read_health() -> Health:
    """Liveness probe for load balancers and orchestrators."""
    # TODO 6.8: async def, like every route that awaits nothing
    return Health(status="ok")


# Routes are matched in the order they are declared, and "me" fits the
# {user_id} pattern below (then fails as an integer): the fixed path goes first.
@app.get("/users/me", tags=["users"])
def read_current_user() -> CurrentUser:
    """The current user. Until sign-in exists, every client is the guest."""
    # TODO 6.8: async def, like every route that awaits nothing
    # Logins arrive in stage 8; until then there is no one else to be.
    return CurrentUser(username="guest")


@app.get("/users/{user_id}", tags=["users"])
def read_user(user_id: UserId, repository: RepositoryDep) -> UserPublic:
    """One user by id, or 404 when there is none with this id."""
    # TODO 6.3: async def, and await each repository call
    user = repository.users.get(user_id)
    if user is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")
    return user


@app.delete(
    "/users/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["users"],
    dependencies=[unit_of_work],
)
def delete_user(user_id: UserId, repository: RepositoryDep) -> None:
    """Delete a user; 204 and no body, or 404 when there is none with this id."""
    # TODO 6.3: async def, and await each repository call
    if not repository.users.delete(user_id):
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")


@app.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    tags=["users"],
    dependencies=[unit_of_work],
)
def create_user(user: UserCreate, response: Response, repository: RepositoryDep) -> UserPublic:
    """Register a user; the answer never includes the password."""
    # TODO 6.3: async def and await; TODO 6.4: a ConflictError from add() is a 409
    # The return type is the filter: only UserPublic's fields go out.
    # Name each field that goes out rather than copying the input: a field
    # added to UserCreate later (a role, a hash) stays private by default.
    created = repository.users.add(username=user.username, email=user.email)
    response.headers["Location"] = f"/users/{created.id}"
    return created


@app.get("/users", tags=["users"])
def list_users(
    page: Annotated[Page, Query()], repository: RepositoryDep, paginator: PaginatorDep
) -> list[UserPublic]:
    """Users oldest first, one page of them."""
    # TODO 6.3: async def and await; TODO 6.9: users.find(page), paged and counted in SQL
    return paginator.paginate(repository.users.all(), page)


@app.post(
    "/products",
    status_code=status.HTTP_201_CREATED,
    tags=["products"],
    dependencies=[unit_of_work],
)
def create_product(
    product: ProductCreate,
    response: Response,
    repository: RepositoryDep,
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
    # TODO 6.3: async def and await; TODO 6.10: claim the key in a table of the database
    # The keys live in the repository, next to the products they point at: an
    # override of get_repository brings its own keys.
    body = product.model_dump()
    earlier = repository.created_by_key.get(idempotency_key) if idempotency_key else None
    if earlier is not None:
        if earlier.body != body:
            raise HTTPException(
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail="Idempotency-Key was used with a different body",
            )
        created = repository.products.get(earlier.product_id)
        if created is None:
            raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    else:
        created = repository.products.add(**body)
        if idempotency_key:
            repository.created_by_key[idempotency_key] = KeyUse(body=body, product_id=created.id)
    # Where the new resource lives, so a client need not build the URL itself.
    response.headers["Location"] = f"/products/{created.id}"
    return created


def _select(products: Iterable[ProductPublic], filters: ProductFilter) -> list[ProductPublic]:
    """The products that pass every filter, oldest first.

    Filter first, then page (the Paginator does): the other way round, a page
    could come back short, or empty, while matching products wait further on.
    """
    # TODO 6.9: these filters become WHERE conditions of the repository's query
    wanted_tags = set(filters.tag)
    # casefold() is lower() done right for every language ("ß" finds "SS").
    search = filters.q.casefold() if filters.q else None
    return [
        product
        for product in products
        if (filters.min_price is None or product.price >= filters.min_price)
        and (filters.max_price is None or product.price <= filters.max_price)
        and wanted_tags <= set(product.tags)
        and (search is None or search in product.name.casefold())
    ]


@app.get("/products", tags=["products"])
def list_products(
    filters: Annotated[ProductFilter, Query()], repository: RepositoryDep, paginator: PaginatorDep
) -> list[ProductPublic]:
    """Products oldest first: searched by name, filtered by price and tags, then one page."""
    # TODO 6.3: async def and await; TODO 6.9: the repository filters, counts and pages
    return paginator.paginate(_select(repository.products.all(), filters), filters)


@app.get("/products/{product_id}", tags=["products"])
def read_product(product_id: ProductId, repository: RepositoryDep) -> ProductPublic:
    """One product, or 404 when there is none with this id."""
    # TODO 6.3: async def, and await each repository call
    product = repository.products.get(product_id)
    if product is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return product


@app.put("/products/{product_id}", tags=["products"], dependencies=[unit_of_work])
def replace_product(
    product_id: ProductId, product: ProductCreate, repository: RepositoryDep
) -> ProductPublic:
    """Replace a whole product. The body is a complete product, as for a create:
    a field left out takes its default, it does not keep its old value."""
    # TODO 6.3: async def, and await each repository call
    replaced = repository.products.update(product_id, **product.model_dump())
    if replaced is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return replaced


@app.patch("/products/{product_id}", tags=["products"], dependencies=[unit_of_work])
def update_product(
    product_id: ProductId, changes: ProductUpdate, repository: RepositoryDep
) -> ProductPublic:
    """Change some fields of a product: those in the body, and no others."""
    # TODO 6.3: async def, and await each repository call
    # exclude_unset keeps only the fields the client sent. A plain model_dump()
    # would add every field left out, as None, and wipe the product.
    updated = repository.products.update(product_id, **changes.model_dump(exclude_unset=True))
    if updated is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return updated


@app.delete(
    "/products/{product_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["products"],
    dependencies=[unit_of_work],
)
def delete_product(product_id: ProductId, repository: RepositoryDep) -> None:
    """Delete a product: 204 and no body, or 404 when there is none with this id."""
    # TODO 6.3: async def and await; TODO 6.6: a product with orders cannot go (409)
    if not repository.products.delete(product_id):
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")


@app.patch("/products/{product_id}/price", tags=["products"], dependencies=[unit_of_work])
def update_product_price(
    product_id: ProductId,
    # embed=True reads {"price": 9.5} rather than a bare 9.5: the body is an
    # object that can gain fields later without breaking a client.
    price: Annotated[float, Body(embed=True, gt=0)],
    repository: RepositoryDep,
    # A plain bool that is not in the path: a query parameter, ?dry_run=true.
    dry_run: bool = False,
) -> ProductPublic:
    """Set one product's price; with ?dry_run=true, show the result but keep the old price."""
    # TODO 6.3: async def, and await each repository call
    if dry_run:
        product = repository.products.get(product_id)
        updated = product.model_copy(update={"price": price}) if product else None
    else:
        updated = repository.products.update(product_id, price=price)
    if updated is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return updated


@app.post("/products/price-changes", tags=["products"], dependencies=[unit_of_work])
def change_prices(batch: PriceChanges, repository: RepositoryDep) -> list[ProductPublic]:
    """Reprice several products at once, in order: every change is made, or none.

    An unknown product answers 404, and then no price has changed: fix the
    batch and send it again as a whole.
    """
    # TODO 6.3: async def, and await each repository call
    # The 404 is raised after the changes before it were made; the unit of
    # work undoes them.
    changed = []
    for change in batch.changes:
        product = repository.products.update(change.product_id, price=change.price)
        if product is None:
            raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
        changed.append(product)
    return changed


@app.get("/categories/{category}/products", tags=["products"])
def list_category_products(
    category: Category,
    filters: Annotated[ProductFilter, Query()],
    repository: RepositoryDep,
    paginator: PaginatorDep,
) -> list[ProductPublic]:
    """One category's products, filtered and paged as GET /products does."""
    # TODO 6.3: async def and await; TODO 6.9: the category is one more WHERE
    in_category = (p for p in repository.products.all() if p.category == category)
    return paginator.paginate(_select(in_category, filters), filters)


@app.post(
    "/orders",
    status_code=status.HTTP_201_CREATED,
    tags=["orders"],
    dependencies=[unit_of_work],
)
async def create_order(
    order: OrderCreate, response: Response, repository: RepositoryDep
) -> OrderPublic:
    """Order a product: its stock goes down by the quantity, and the order is
    stored, in one transaction. 409 when there is not enough stock."""
    # TODO 6.7: take the stock with one UPDATE … WHERE stock >= quantity, never read, subtract and write
    raise NotImplementedError("TODO 6.5: Products have a stock; POST /orders takes from it (201), or 409 when short; GET /orders/{order_id}")


@app.get("/orders/{order_id}", tags=["orders"])
async def read_order(order_id: OrderId, repository: RepositoryDep) -> OrderPublic:
    """One order, or 404 when there is none with this id."""
    raise NotImplementedError("TODO 6.5: Products have a stock; POST /orders takes from it (201), or 409 when short; GET /orders/{order_id}")
