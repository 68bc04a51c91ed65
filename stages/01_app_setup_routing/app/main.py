"""The Shop API: one FastAPI application and the routes it answers."""

from itertools import count

from fastapi import FastAPI, HTTPException, Response, status
from pydantic import BaseModel

app = FastAPI()  # TODO 1.1: give the app a title, a version and a description


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


# TODO 1.8: give every operation exactly one tag: tags=["meta"] here and on
# /health, tags=["users"] on /users/…, tags=["products"] on /products….
@app.get("/")
def read_root() -> Greeting:
    """A welcome message: the quickest way to see that the API answers."""
    raise NotImplementedError("TODO 1.2: GET / answers 200 {\"message\": \"Welcome to the Shop API\"} and GET /health answers 200 {\"status\": \"ok\"}")


@app.get("/health")
def read_health() -> Health:
    """Liveness probe for load balancers and orchestrators."""
    raise NotImplementedError("TODO 1.2: GET / answers 200 {\"message\": \"Welcome to the Shop API\"} and GET /health answers 200 {\"status\": \"ok\"}")


@app.get("/users/{user_id}")
def read_user(user_id: int) -> UserRef:
    """One user by id."""
    # The `int` annotation makes FastAPI refuse `/users/abc` with a 422.
    raise NotImplementedError("TODO 1.3: GET /users/{user_id} answers 200 {\"user_id\": <the id, as a JSON integer>}; an id that is not an integer (/users/abc) gets 422")


@app.get("/users/me")
def read_current_user() -> CurrentUser:
    """The current user. Until sign-in exists, every client is the guest."""
    # Logins arrive in stage 8; until then there is no one else to be.
    raise NotImplementedError(
        'TODO 1.4: GET /users/me answers {"username": "guest"} (mind the route order)'
    )


@app.post("/products")
def create_product(name: str, response: Response) -> Product:
    """Create a product with the name given as `?name=`; the server assigns the id."""
    # `name` is not in the path, so FastAPI reads it from the query string.
    raise NotImplementedError("TODO 1.5: POST /products?name=<name> answers 201 with {\"id\": <a new integer id>, \"name\": <name>} and a Location header /products/<id>")


@app.get("/products")
def list_products() -> list[Product]:
    """Every product, oldest first."""
    raise NotImplementedError("TODO 1.6: GET /products lists every product (oldest first) and GET /products/{product_id} answers 200 with one; an unknown id gets 404 {\"detail\": \"Product not found\"}")


@app.get("/products/{product_id}")
def read_product(product_id: int) -> Product:
    """One product, or 404 when there is none with this id."""
    raise NotImplementedError("TODO 1.6: GET /products lists every product (oldest first) and GET /products/{product_id} answers 200 with one; an unknown id gets 404 {\"detail\": \"Product not found\"}")


@app.delete("/products/{product_id}")
def delete_product(product_id: int) -> None:
    """Delete a product: 204 and no body, or 404 when there is none with this id."""
    raise NotImplementedError("TODO 1.7: DELETE /products/{product_id} answers 204 with an empty body and the product is gone (other products stay, its id is not reused); an unknown id gets 404 {\"detail\": \"Product not found\"}")
