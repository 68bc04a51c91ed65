"""The Shop API: one FastAPI application and the routes it answers."""

from itertools import count

from fastapi import FastAPI, HTTPException, Response, status
from pydantic import BaseModel

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


class UserRef(BaseModel):
    user_id: int


class Product(BaseModel):
    id: int
    name: str


# In-memory storage: it lives as long as the process (a reload empties it).
# Ids come from a counter, never from len(), so a deleted id is not handed out again.
_products: dict[int, Product] = {}
_product_ids = count(1)


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
    return UserRef(user_id=user_id)


@app.post("/products", status_code=status.HTTP_201_CREATED, tags=["products"])
def create_product(name: str, response: Response) -> Product:
    """Create a product with the name given as `?name=`; the server assigns the id."""
    # `name` is not in the path, so FastAPI reads it from the query string.
    product = Product(id=next(_product_ids), name=name)
    _products[product.id] = product
    # Where the new resource lives, so a client need not build the URL itself.
    response.headers["Location"] = f"/products/{product.id}"
    return product


@app.get("/products", tags=["products"])
def list_products() -> list[Product]:
    """Every product, oldest first."""
    return list(_products.values())


@app.get("/products/{product_id}", tags=["products"])
def read_product(product_id: int) -> Product:
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
