from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class ProductCreate(BaseModel):
    name: str
    price: float


@app.post("/products")
def create_product(product: ProductCreate) -> ProductCreate:  # a body, because it is a model
    return product
