"""The Shop API: one FastAPI application and the routes it answers."""

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import (
    BackgroundTasks,
    Body,
    FastAPI,
    Header,
    HTTPException,
    Path,
    Query,
    Response,
    status,
)
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import (
    CurrentUserDep,
    PasswordsDep,
    admin_only,
    create_first_admin,
)
from app.auth import router as auth_router
from app.database import create_sessionmaker, create_tables, make_async_engine
from app.dependencies import (
    AuditDep,
    EmailSenderDep,
    PaginatorDep,
    RepositoryDep,
    SessionFactoryDep,
    SettingsDep,
    unit_of_work,
)
from app.middleware import RequestIdMiddleware
from app.models import (
    AuditEntryPublic,
    Category,
    OrderCreate,
    OrderPublic,
    OutboxMessagePublic,
    Page,
    PriceChanges,
    ProductCreate,
    ProductFilter,
    ProductPublic,
    ProductUpdate,
    UserAccount,
    UserCreate,
    UserPublic,
)
from app.repository import ConflictError, Repository
from app.security import Passwords
from app.settings import get_settings
from app.tasks import AuditTrail, send_welcome_email


class State(TypedDict):
    """What the lifespan hands to every request, as `request.state`."""

    sessions: async_sessionmaker[AsyncSession]
    passwords: Passwords


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    """Open the database at startup, and close it at shutdown.

    The engine is made here, from the settings of the process that serves the
    app, not at import: importing app.main opens nothing, and each process
    (a test, a reload, a worker) gets an engine for its own DATABASE_URL.
    """
    settings = get_settings()
    engine = make_async_engine(settings.database_url)
    await create_tables(engine)
    sessions = create_sessionmaker(engine)
    # One hasher per process, with the costs from the settings.
    passwords = Passwords(
        memory_cost=settings.argon2_memory_cost, time_cost=settings.argon2_time_cost
    )
    await create_first_admin(sessions, settings, passwords)
    try:
        yield {"sessions": sessions, "passwords": passwords}
    finally:
        # Close every pooled connection, rather than leave them to the
        # garbage collector (or to a database that counts them).
        await engine.dispose()


app = FastAPI(
    title="Shop API",
    version="1.0.0",
    description="A small shop API with users and products, built stage by stage "
    "in the FastAPI Workbook.",
    # Startup and shutdown: open the database, then close it.
    lifespan=lifespan,
)
# POST /auth/token and PUT /users/me/password.
app.include_router(auth_router)
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


# Routes that await nothing are `async def` too: a plain `def` route is sent
# to a worker thread for each request, for no gain.
@app.get("/", tags=["meta"])
async def read_root(settings: SettingsDep) -> Greeting:
    """A welcome message: the quickest way to see that the API answers."""
    return Greeting(message=f"Welcome to the {settings.app_name}")


@app.get("/health", tags=["meta"])
async def read_health() -> Health:
    """Liveness probe for load balancers and orchestrators."""
    return Health(status="ok")


def _may_manage(current: UserAccount, user_id: int) -> bool:
    """Users manage their own account; admins manage everyone's."""
    return current.is_admin or current.id == user_id


# Routes are matched in the order they are declared, and "me" fits the
# {user_id} pattern below (then fails as an integer): the fixed path goes first.
@app.get("/users/me", tags=["users"])
async def read_current_user(user: CurrentUserDep) -> UserPublic:
    """The signed-in user."""
    # The return type is the filter: the hash and the token version stay here.
    return user


@app.get("/users/{user_id}", tags=["users"])
async def read_user(
    user_id: UserId, current: CurrentUserDep, repository: RepositoryDep
) -> UserPublic:
    """One user by id: yourself, or anyone for an admin; 404 otherwise."""
    # Someone else's record answers as a missing one would: a 403 would
    # confirm that the id exists.
    user = await repository.users.get(user_id) if _may_manage(current, user_id) else None
    if user is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")
    return user


@app.delete(
    "/users/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["users"],
    dependencies=[unit_of_work],
)
async def delete_user(
    user_id: UserId, current: CurrentUserDep, repository: RepositoryDep, audit: AuditDep
) -> None:
    """Delete a user (yourself, or anyone for an admin); 204 and no body, or 404."""
    if not _may_manage(current, user_id) or not await repository.users.delete(user_id):
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")
    audit.record("delete", "user", user_id)


@app.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    tags=["users"],
    dependencies=[unit_of_work],
)
async def create_user(
    user: UserCreate,
    response: Response,
    repository: RepositoryDep,
    # The request's task list, and what the welcome email needs: the factory
    # its task opens a session with, and the sender (replaceable in tests).
    background_tasks: BackgroundTasks,
    sessions: SessionFactoryDep,
    sender: EmailSenderDep,
    audit: AuditDep,
    passwords: PasswordsDep,
) -> UserPublic:
    """Register a user; the answer never includes the password. 409 when the
    username or the email is taken."""
    # The return type is the filter: only UserPublic's fields go out.
    # Name each field that goes out rather than copying the input: a field
    # added to UserCreate later (a role, a hash) stays private by default.
    try:
        created = await repository.users.add(
            username=user.username,
            email=user.email,
            # The hash, never the password; is_admin is left to its default.
            hashed_password=await passwords.hash(user.password),
        )
    except ConflictError:
        # The unique constraints refused it. Asking first ("is this email
        # taken?") would not do: two requests can both hear "no".
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT, detail="Username or email already registered"
        ) from None
    response.headers["Location"] = f"/users/{created.id}"
    # Scheduled, not awaited: it runs once the client has its 201. It is
    # handed the user's id, never this request's session or records.
    background_tasks.add_task(send_welcome_email, sessions, created.id, sender)
    audit.record("create", "user", created.id)
    return created


@app.get("/users", tags=["users"], dependencies=[admin_only])
async def list_users(
    page: Annotated[Page, Query()], repository: RepositoryDep, paginator: PaginatorDep
) -> list[UserPublic]:
    """Users oldest first, one page of them."""
    return paginator.paginate(await repository.users.find(page))


# The detail of a 422 for a key that comes back with another body.
KEY_REUSED = "Idempotency-Key was used with a different body"


def _fingerprint(product: ProductCreate) -> str:
    """A digest of what a create asks for: equal for equal bodies, however the
    JSON was spaced or its keys ordered."""
    canonical = json.dumps(product.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


@app.post(
    "/products",
    status_code=status.HTTP_201_CREATED,
    tags=["products"],
    dependencies=[admin_only, unit_of_work],
)
async def create_product(
    product: ProductCreate,
    response: Response,
    repository: RepositoryDep,
    audit: AuditDep,
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
    if idempotency_key is None:
        created = await repository.products.add(**product.model_dump())
        audit.record("create", "product", created.id)
    else:
        created = await _create_once(idempotency_key, product, repository, audit)
    # Where the new resource lives, so a client need not build the URL itself.
    response.headers["Location"] = f"/products/{created.id}"
    return created


async def _create_once(
    key: str, product: ProductCreate, repository: Repository, audit: AuditTrail
) -> ProductPublic:
    """The product that `key` stands for: created now, by the first request to
    bring the key, or the one that request created."""
    fingerprint = _fingerprint(product)
    # The key is claimed before the product is made, in the same transaction:
    # if this request fails, both go; if another holds the key, it waits.
    if await repository.idempotency_keys.claim(key, fingerprint):
        created = await repository.products.add(**product.model_dump())
        await repository.idempotency_keys.link(key, created.id)
        # Only here: a replay, which answers an earlier product, wrote nothing.
        audit.record("create", "product", created.id)
        return created
    claim = await repository.idempotency_keys.get(key)
    if claim is None or claim.fingerprint != fingerprint:
        raise HTTPException(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, detail=KEY_REUSED)
    first = None if claim.product_id is None else await repository.products.get(claim.product_id)
    if first is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return first


@app.get("/products", tags=["products"])
async def list_products(
    filters: Annotated[ProductFilter, Query()], repository: RepositoryDep, paginator: PaginatorDep
) -> list[ProductPublic]:
    """Products oldest first: searched by name, filtered by price and tags, then one page."""
    # Filtered, counted and paged by the database: a page of 20 costs the
    # same with a thousand products as with a million.
    return paginator.paginate(await repository.products.search(filters))


@app.get("/products/{product_id}", tags=["products"])
async def read_product(product_id: ProductId, repository: RepositoryDep) -> ProductPublic:
    """One product, or 404 when there is none with this id."""
    product = await repository.products.get(product_id)
    if product is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return product


@app.put("/products/{product_id}", tags=["products"], dependencies=[admin_only, unit_of_work])
async def replace_product(
    product_id: ProductId, product: ProductCreate, repository: RepositoryDep, audit: AuditDep
) -> ProductPublic:
    """Replace a whole product. The body is a complete product, as for a create:
    a field left out takes its default, it does not keep its old value."""
    replaced = await repository.products.update(product_id, **product.model_dump())
    if replaced is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    audit.record("update", "product", product_id)
    return replaced


@app.patch("/products/{product_id}", tags=["products"], dependencies=[admin_only, unit_of_work])
async def update_product(
    product_id: ProductId, changes: ProductUpdate, repository: RepositoryDep, audit: AuditDep
) -> ProductPublic:
    """Change some fields of a product: those in the body, and no others."""
    # exclude_unset keeps only the fields the client sent. A plain model_dump()
    # would add every field left out, as None, and wipe the product.
    updated = await repository.products.update(product_id, **changes.model_dump(exclude_unset=True))
    if updated is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    audit.record("update", "product", product_id)
    return updated


@app.delete(
    "/products/{product_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["products"],
    dependencies=[admin_only, unit_of_work],
)
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
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    audit.record("delete", "product", product_id)


@app.patch(
    "/products/{product_id}/price", tags=["products"], dependencies=[admin_only, unit_of_work]
)
async def update_product_price(
    product_id: ProductId,
    # embed=True reads {"price": 9.5} rather than a bare 9.5: the body is an
    # object that can gain fields later without breaking a client.
    price: Annotated[float, Body(embed=True, gt=0)],
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
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    if not dry_run:  # a dry run changes nothing: nothing to audit
        audit.record("update", "product", product_id)
    return updated


@app.post("/products/price-changes", tags=["products"], dependencies=[admin_only, unit_of_work])
async def change_prices(
    batch: PriceChanges, repository: RepositoryDep, audit: AuditDep
) -> list[ProductPublic]:
    """Reprice several products at once, in order: every change is made, or none.

    An unknown product answers 404, and then no price has changed: fix the
    batch and send it again as a whole.
    """
    # The 404 is raised after the changes before it were made; the unit of
    # work undoes them.
    changed = []
    for change in batch.changes:
        product = await repository.products.update(change.product_id, price=change.price)
        if product is None:
            raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
        changed.append(product)
    # After the loop: a batch that stops with a 404 is undone, and so are its
    # tasks (a route that raises sends none of the tasks it scheduled).
    for product in changed:
        audit.record("update", "product", product.id)
    return changed


@app.get("/categories/{category}/products", tags=["products"])
async def list_category_products(
    category: Category,
    filters: Annotated[ProductFilter, Query()],
    repository: RepositoryDep,
    paginator: PaginatorDep,
) -> list[ProductPublic]:
    """One category's products, filtered and paged as GET /products does."""
    return paginator.paginate(await repository.products.search(filters, category))


@app.post(
    "/orders",
    status_code=status.HTTP_201_CREATED,
    tags=["orders"],
    dependencies=[unit_of_work],
)
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
    response.headers["Location"] = f"/orders/{created.id}"
    audit.record("create", "order", created.id)
    return created


@app.get("/orders", tags=["orders"])
async def list_orders(
    user: CurrentUserDep,
    page: Annotated[Page, Query()],
    repository: RepositoryDep,
    paginator: PaginatorDep,
) -> list[OrderPublic]:
    """Your orders, oldest first, one page of them."""
    return paginator.paginate(await repository.orders.owned_by(user.id, page))


@app.get("/orders/{order_id}", tags=["orders"])
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


@app.get("/outbox", tags=["admin"], dependencies=[admin_only])
async def list_outbox(
    page: Annotated[Page, Query()], repository: RepositoryDep, paginator: PaginatorDep
) -> list[OutboxMessagePublic]:
    """The emails the app has sent, oldest first: the stand-in mail server's outbox."""
    return paginator.paginate(await repository.outbox.find(page))


@app.get("/audit", tags=["admin"], dependencies=[admin_only])
async def list_audit_entries(
    page: Annotated[Page, Query()], repository: RepositoryDep, paginator: PaginatorDep
) -> list[AuditEntryPublic]:
    """The audit log, oldest first: one entry for each write that succeeded."""
    return paginator.paginate(await repository.audit.find(page))
