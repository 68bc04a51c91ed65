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


# TODO 2.2: a stand-in that read_user answers for now; delete it once
# read_user returns the stored UserPublic.
class UserRef(BaseModel):
    user_id: int


# TODO 2.5: a stand-in for a product; store, list and return ProductPublic
# records instead, then delete it.
class Product(BaseModel):
    id: int
    name: str


# In-memory storage: it lives as long as the process (a reload empties it).
# Ids come from a counter, never from len(), so a deleted id is not handed out again.
_products: dict[int, Product] = {}  # TODO 2.5: store ProductPublic records
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
def read_user(user_id: int) -> UserRef:
    """One user by id."""
    # The `int` annotation makes FastAPI refuse `/users/abc` with a 422.
    # TODO 2.2: return the stored UserPublic, or 404 {"detail": "User not found"}
    return UserRef(user_id=user_id)


@app.post("/users", tags=["users"])  # TODO 2.1: a create answers 201 Created
def create_user(user: UserCreate, response: Response):  # TODO 2.3: declare the return type
    """Register a user; the answer never includes the password."""
    # The return type is the filter: only UserPublic's fields go out.
    raise NotImplementedError("TODO 2.1: store a UserPublic, answer 201 with a Location header")


@app.post("/products", status_code=status.HTTP_201_CREATED, tags=["products"])
def create_product(product: ProductCreate, response: Response) -> ProductPublic:
    """Create a product from the JSON body; the server assigns the id."""
    raise NotImplementedError("TODO 2.5: store a ProductPublic built from the body")


@app.get("/products", tags=["products"])
def list_products() -> list[Product]:  # TODO 2.5: list ProductPublic records
    """Every product, oldest first."""
    return list(_products.values())


@app.get("/products/{product_id}", tags=["products"])
def read_product(product_id: int) -> Product:  # TODO 2.5: return a ProductPublic
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
