from pydantic import BaseModel, ValidationError


class Product(BaseModel):
    name: str
    price: float
    description: str | None = None  # optional: it has a default


lantern = Product.model_validate({"name": "Brass lantern", "price": "24.50"})
print(lantern.price)  # 24.5, a float: "24.50" was converted
print(lantern.model_dump())  # {'name': 'Brass lantern', 'price': 24.5, 'description': None}

try:
    Product.model_validate({"price": "cheap"})
except ValidationError as error:
    print(error.error_count())  # 2: name is missing, price is not a number
