"""The Shop API: one FastAPI application and the routes it answers."""

from itertools import count

from fastapi import FastAPI, HTTPException, Response, status
from pydantic import BaseModel

from app.models import ProductCreate, ProductPublic, UserCreate, UserPublic

app = FastAPI(
    title="Shop API",
    version="1.0.0",
    description="A small shop API with users and products, built stage by stage "
    "in the FastAPI Workbook.",
)


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
def read_user(user_id: int) -> UserPublic:
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
def create_product(product: ProductCreate, response: Response) -> ProductPublic:
    """Create a product from the JSON body; the server assigns the id."""
    created = ProductPublic(id=next(_product_ids), **product.model_dump())
    _products[created.id] = created
    # Where the new resource lives, so a client need not build the URL itself.
    response.headers["Location"] = f"/products/{created.id}"
    return created


@app.get("/products", tags=["products"])
def list_products() -> list[ProductPublic]:
    """Every product, oldest first."""
    return list(_products.values())


@app.get("/products/{product_id}", tags=["products"])
def read_product(product_id: int) -> ProductPublic:
    """One product, or 404 when there is none with this id."""
    product = _products.get(product_id)
    if product is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return product


@app.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["products"])
def delete_product(product_id: int) -> None:
    """Delete a product: 204 and no body, or 404 when there is none with this id."""
    if _products.pop(product_id, None) is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
