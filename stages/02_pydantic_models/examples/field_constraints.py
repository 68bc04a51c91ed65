from typing import Annotated

from pydantic import BaseModel, Field


class ProductBase(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    price: float = Field(gt=0)  # strictly above 0
    description: str | None = Field(default=None, max_length=500)  # optional, bounded


# The same kind of constraint as a named, reusable type:
Username = Annotated[str, Field(min_length=3, max_length=32)]


class UserBase(BaseModel):
    username: Username
