"""The models both API versions share, and the records the data layer hands out.

Each resource is a family of models: what a client may send (`…Create`) and
what the API sends back (`…Public`), both built on the fields they share
(`…Base`). Keeping the families apart is what stops a client from choosing its
own id, and what keeps a password inside the server. Users, orders, the outbox
and the audit log look the same in v1 and v2; products do not (app/schemas/v1.py
and app/schemas/v2.py), so the data layer hands out a `Product` of its own that
each version turns into its answer.
"""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


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
# essays, no thousand-tag product to slow down each filter. Named once, for
# the product models of both versions: neither can let in what the other refuses.
Tag = Annotated[str, Field(min_length=1, max_length=30)]
ProductName = Annotated[str, Field(min_length=1, max_length=100)]
Description = Annotated[str, Field(max_length=500)]
Tags = Annotated[list[Tag], Field(max_length=10)]
# How many the shop has: orders take from it, and it never goes below 0.
Stock = Annotated[int, Field(ge=0, le=1_000_000)]


class Product(BaseModel):
    """A product as the data layer hands it out, to either version: the API
    models of v1 and v2 are made from it by the routes' return types."""

    id: int
    name: str
    price: Decimal
    currency: str
    description: str | None
    category: Category
    tags: list[str]
    stock: int


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
