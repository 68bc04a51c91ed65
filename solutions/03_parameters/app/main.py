"""The Shop API: one FastAPI application and the routes it answers."""

from collections.abc import Iterable
from itertools import count, islice
from typing import Annotated

from fastapi import Body, FastAPI, Header, HTTPException, Path, Query, Response, status
from pydantic import BaseModel

from app.models import (
    Category,
    ProductCreate,
    ProductFilter,
    ProductPublic,
    UserCreate,
    UserPublic,
)

app = FastAPI(
    title="Shop API",
    version="1.0.0",
    description="A small shop API with users and products, built stage by stage "
    "in the FastAPI Workbook.",
)


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


# In-memory storage: it lives as long as the process (a reload empties it).
# Ids come from a counter, never from len(), so a deleted id is not handed out again.
_products: dict[int, ProductPublic] = {}
_product_ids = count(1)
# Only the public view of a user is kept: nothing reads a password before
# logins arrive (stage 8), and a secret that is never stored cannot leak.
_users: dict[int, UserPublic] = {}
_user_ids = count(1)
# What each Idempotency-Key created (the body it came with, and the new
# product's id), so that a retried POST answers as the first one did instead
# of creating a second product.
_created_by_key: dict[str, tuple[ProductCreate, int]] = {}


@app.get("/", tags=["meta"])
def read_root() -> Greeting:
    """A welcome message: the quickest way to see that the API answers."""
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
    user = _users.get(user_id)
    if user is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")
    return user


@app.post("/users", status_code=status.HTTP_201_CREATED, tags=["users"])
def create_user(user: UserCreate, response: Response) -> UserPublic:
    """Register a user; the answer never includes the password."""
    # The return type is the filter: only UserPublic's fields go out.
    # Name each field that goes out rather than copying the input: a field
    # added to UserCreate later (a role, a hash) stays private by default.
    created = UserPublic(id=next(_user_ids), username=user.username, email=user.email)
    _users[created.id] = created
    response.headers["Location"] = f"/users/{created.id}"
    return created


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
    if idempotency_key is not None and idempotency_key in _created_by_key:
        body, product_id = _created_by_key[idempotency_key]
        # A key names one request: sent again with another body, it is a
        # client's mistake, not a retry.
        if body != product:
            raise HTTPException(
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail="Idempotency-Key was used with a different body",
            )
        created = _products.get(product_id)
        if created is None:
            raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    else:
        created = ProductPublic(id=next(_product_ids), **product.model_dump())
        _products[created.id] = created
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
    wanted_tags = set(filters.tag)
    matching = (
        product
        for product in products
        if (filters.min_price is None or product.price >= filters.min_price)
        and (filters.max_price is None or product.price <= filters.max_price)
        and wanted_tags <= set(product.tags)
    )
    return list(islice(matching, filters.offset, filters.offset + filters.limit))


@app.get("/products", tags=["products"])
def list_products(filters: Annotated[ProductFilter, Query()]) -> list[ProductPublic]:
    """Products oldest first: filtered by price and tags, then one page of them."""
    return _select(_products.values(), filters)


@app.get("/products/{product_id}", tags=["products"])
def read_product(product_id: ProductId) -> ProductPublic:
    """One product, or 404 when there is none with this id."""
    product = _products.get(product_id)
    if product is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return product


@app.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["products"])
def delete_product(product_id: ProductId) -> None:
    """Delete a product: 204 and no body, or 404 when there is none with this id."""
    if _products.pop(product_id, None) is None:
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
    product = _products.get(product_id)
    if product is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    updated = product.model_copy(update={"price": price})
    if not dry_run:
        _products[product_id] = updated
    return updated


@app.get("/categories/{category}/products", tags=["products"])
def list_category_products(
    category: Category, filters: Annotated[ProductFilter, Query()]
) -> list[ProductPublic]:
    """One category's products, filtered and paged as GET /products does."""
    return _select((p for p in _products.values() if p.category == category), filters)
