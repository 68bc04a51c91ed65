"""What the shop API accepts and what it returns.

Each resource is a family of models: what a client may send (`…Create`) and
what the API sends back (`…Public`), both built on the fields they share
(`…Base`). Keeping the families apart is what stops a client from choosing its
own id, and what keeps a password inside the server.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator


class UserBase(BaseModel):
    """What a user looks like on the way in and on the way out."""

    username: str = Field(min_length=3, max_length=32)
    email: EmailStr


class UserCreate(UserBase):
    """The body of POST /users: the only model that ever holds a password."""

    model_config = ConfigDict(
        # An unknown key (id, role, is_admin) is a client's mistake or a probe:
        # refuse it with a 422 rather than drop it without a word.
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "ada_lovelace",
                    "email": "ada@example.com",
                    "password": "correct-horse-battery",
                }
            ]
        },
    )

    # An upper bound too: hashing a megabyte-long password is a cheap way to
    # keep a server busy.
    password: str = Field(min_length=8, max_length=128)


class UserPublic(UserBase):
    """A user as the API shows it. No password field, so none can be sent."""

    id: int
    is_admin: bool = False


class UserAccount(UserPublic):
    """A user as the login code sees it: with the hash and the token version.
    Never a route's return type: it stays inside the server."""

    hashed_password: str
    token_version: int


class PasswordChange(BaseModel):
    """The body of PUT /users/me/password."""

    model_config = ConfigDict(extra="forbid")

    # Bounded like UserCreate.password: nothing longer is hashed, or compared.
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=8, max_length=128)


class Token(BaseModel):
    """What POST /auth/token answers: the OAuth2 bearer token response (RFC 6749, 5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"


class Category(StrEnum):
    """The shop's departments. As a type, the Enum turns away any other value
    with a 422 (in a body, a path or a query alike) and lists the choices in /docs."""

    books = "books"
    electronics = "electronics"
    garden = "garden"
    kitchen = "kitchen"
    toys = "toys"
    other = "other"


# Every bound is a promise the server keeps for free: no empty tags, no
# essays, no thousand-tag product to slow down each filter.
Tag = Annotated[str, Field(min_length=1, max_length=30)]
# Each bound of a product's fields, named once: ProductBase and ProductUpdate
# both use these, so a PATCH cannot let in what a POST refuses.
ProductName = Annotated[str, Field(min_length=1, max_length=100)]
Price = Annotated[float, Field(gt=0)]
Description = Annotated[str, Field(max_length=500)]
Tags = Annotated[list[Tag], Field(max_length=10)]
# How many the shop has: orders take from it, and it never goes below 0.
Stock = Annotated[int, Field(ge=0, le=1_000_000)]


class ProductBase(BaseModel):
    """What a product looks like on the way in and on the way out."""

    name: ProductName
    price: Price
    description: Description | None = None
    # A default, so that every client written before categories existed
    # still works: a new required field is a breaking change.
    category: Category = Category.other
    tags: Tags = Field(default_factory=list)
    stock: Stock = 0


class ProductCreate(ProductBase):
    """The body of POST /products. The server assigns the id."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Brass lantern",
                    "price": 24.5,
                    "description": "Hand-polished, with a glass chimney.",
                    "category": "garden",
                    "tags": ["outdoor", "gift"],
                    "stock": 12,
                }
            ]
        },
    )


class ProductPublic(ProductBase):
    """A product as the API shows it, with the id the server gave it."""

    id: int


class ProductUpdate(BaseModel):
    """The body of PATCH /products/{product_id}: any of a product's fields.

    Every field may be left out, and only the fields sent are changed (read
    them with `model_dump(exclude_unset=True)`). The bounds are ProductBase's:
    a PATCH must not let in what a POST refuses.
    """

    model_config = ConfigDict(extra="forbid")

    name: ProductName | None = None
    price: Price | None = None
    # null is a real value here: it clears the description.
    description: Description | None = None
    category: Category | None = None
    tags: Tags | None = None
    stock: Stock | None = None

    @field_validator("name", "price", "category", "tags", "stock")
    @classmethod
    def not_null(cls, value: object) -> object:
        # Validators do not run on defaults, so this sees only a null the
        # client sent. Leaving a field out keeps it; null would erase a field
        # that every product must have.
        if value is None:
            raise ValueError("can be left out, but cannot be null")
        return value


class Page(BaseModel):
    """Which slice of a list: at most `limit` records, after skipping `offset`.

    The one place the paging rules are written: every list takes a Page, or a
    model built on it, so no list can drift to other bounds.
    """

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0)


class ProductFilter(Page):
    """The query string of a product list: which products, then which page.

    Declared as `Annotated[ProductFilter, Query()]`, each field is one query
    parameter, and the model validates them together.
    """

    # A misspelt parameter (?limt=5) is a 422 the client can read, not a
    # filter that silently does nothing.
    model_config = ConfigDict(extra="forbid")

    # limit and offset come from Page. They must be fields of this model, not
    # a parameter or a model of their own: a query model reads the whole query
    # string, and with extra="forbid" it would refuse them as unknown.
    min_price: float | None = Field(default=None, ge=0)
    max_price: float | None = Field(default=None, ge=0)
    # Singular: the URL repeats it once per value, ?tag=outdoor&tag=gift.
    tag: list[Tag] = Field(default_factory=list, max_length=10)
    # A search: the products whose name contains q, whatever the case. Bounded
    # like the name it searches, so a megabyte of query is refused up front.
    q: str | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def check_price_range(self) -> Self:
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.min_price > self.max_price
        ):
            raise ValueError("min_price is greater than max_price")
        return self


class PriceChange(BaseModel):
    """One product's new price, in a batch."""

    model_config = ConfigDict(extra="forbid")

    product_id: int = Field(ge=1)
    price: float = Field(gt=0)


class PriceChanges(BaseModel):
    """The body of POST /products/price-changes: applied in order, all or none."""

    model_config = ConfigDict(extra="forbid")

    # At least one, and a ceiling like every list a client controls.
    changes: list[PriceChange] = Field(min_length=1, max_length=100)


class OrderBase(BaseModel):
    """What an order looks like on the way in and on the way out."""

    product_id: int = Field(ge=1)
    # At least one; and a ceiling, so one request cannot empty a warehouse.
    quantity: int = Field(ge=1, le=100)


class OrderCreate(OrderBase):
    """The body of POST /orders: which product, and how many."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"product_id": 1, "quantity": 2}]},
    )


class OrderPublic(OrderBase):
    """An order as the API shows it, with the id the server gave it."""

    id: int


class OutboxMessagePublic(BaseModel):
    """An email the app has sent, as GET /outbox shows it."""

    id: int
    to: str
    subject: str
    body: str
    sent_at: datetime


# What an audit entry can say: the kind of write, and the kind of record.
AuditAction = Literal["create", "update", "delete"]
AuditResource = Literal["user", "product", "order"]


class AuditEntryPublic(BaseModel):
    """One audit entry, as GET /audit shows it."""

    id: int
    action: AuditAction
    resource: AuditResource
    resource_id: int
    created_at: datetime
