"""The Shop API: one FastAPI application and the routes it answers."""

from itertools import count

from fastapi import FastAPI, HTTPException, Response, status
from pydantic import BaseModel

# SOLUTION 1.1
app = FastAPI(
    title="Shop API",
    version="1.0.0",
    description="A small shop API with users and products, built stage by stage "
    "in the FastAPI Workbook.",
)
# STUB
# app = FastAPI()  # TODO 1.1: give the app a title, a version and a description
# END SOLUTION


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


# SOLUTION 1.8
@app.get("/", tags=["meta"])
# STUB
# @app.get("/")
# END SOLUTION
def read_root() -> Greeting:
    """Greet the client: the quickest proof that the app is up."""
    # SOLUTION 1.2
    return Greeting(message="Welcome to the Shop API")
    # END SOLUTION


# SOLUTION 1.8
@app.get("/health", tags=["meta"])
# STUB
# @app.get("/health")
# END SOLUTION
def read_health() -> Health:
    """Liveness probe for load balancers and orchestrators."""
    # SOLUTION 1.2
    return Health(status="ok")
    # END SOLUTION


# SOLUTION 1.4
# Routes are matched in the order they are declared, and "me" fits the
# {user_id} pattern below (then fails as an integer): the fixed path goes first.
@app.get("/users/me", tags=["users"])
def read_current_user() -> CurrentUser:
    """The signed-in user; until logins arrive (stage 8), everyone is the guest."""
    return CurrentUser(username="guest")


# STUB
# END SOLUTION
# SOLUTION 1.8
@app.get("/users/{user_id}", tags=["users"])
# STUB
# @app.get("/users/{user_id}")
# END SOLUTION
def read_user(user_id: int) -> UserRef:
    """One user by id; the `int` annotation makes FastAPI reject `/users/abc` with 422."""
    # SOLUTION 1.3
    return UserRef(user_id=user_id)
    # END SOLUTION


# SOLUTION 1.4
# STUB
# @app.get("/users/me")
# def read_current_user() -> CurrentUser:
#     """The signed-in user; until logins arrive (stage 8), everyone is the guest."""
#     raise NotImplementedError(
#         'TODO 1.4: GET /users/me answers {"username": "guest"} (mind the route order)'
#     )
# END SOLUTION


# SOLUTION 1.5
@app.post("/products", status_code=status.HTTP_201_CREATED, tags=["products"])
# STUB
# @app.post("/products")
# END SOLUTION
def create_product(name: str, response: Response) -> Product:
    """Create a product. `name` is not in the path, so it is a query parameter."""
    # SOLUTION 1.5
    product = Product(id=next(_product_ids), name=name)
    _products[product.id] = product
    # Where the new resource lives, so a client need not build the URL itself.
    response.headers["Location"] = f"/products/{product.id}"
    return product
    # END SOLUTION


# SOLUTION 1.8
@app.get("/products", tags=["products"])
# STUB
# @app.get("/products")
# END SOLUTION
def list_products() -> list[Product]:
    """Every product, oldest first."""
    # SOLUTION 1.6
    return list(_products.values())
    # END SOLUTION


# SOLUTION 1.8
@app.get("/products/{product_id}", tags=["products"])
# STUB
# @app.get("/products/{product_id}")
# END SOLUTION
def read_product(product_id: int) -> Product:
    """One product, or 404 when there is none with this id."""
    # SOLUTION 1.6
    product = _products.get(product_id)
    if product is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return product
    # END SOLUTION


# SOLUTION 1.7
@app.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["products"])
# STUB
# @app.delete("/products/{product_id}")
# END SOLUTION
def delete_product(product_id: int) -> None:
    """Delete a product; 204 means done, and there is nothing to send back."""
    # SOLUTION 1.7
    if _products.pop(product_id, None) is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    # END SOLUTION
