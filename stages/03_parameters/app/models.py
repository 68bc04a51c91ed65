"""What the shop API accepts and what it returns.

Each resource is a family of models: what a client may send (`…Create`) and
what the API sends back (`…Public`), both built on the fields they share
(`…Base`). Keeping the families apart is what stops a client from choosing its
own id, and what keeps a password inside the server.
"""

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


# TODO 3.6: class Category(StrEnum), the six departments


class ProductBase(BaseModel):
    """What a product looks like on the way in and on the way out."""

    name: str = Field(min_length=1, max_length=100)
    price: float = Field(gt=0)
    description: str | None = Field(default=None, max_length=500)
    # TODO 3.6: a category, "other" by default
    # TODO 3.4: tags, up to 10 strings of 1–30 characters, [] by default


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
                    # TODO 3.6: "category": "garden" in the example, once products have one
                    # TODO 3.4: "tags": ["outdoor", "gift"] in the example, once products have them
                }
            ]
        },
    )


class ProductPublic(ProductBase):
    """A product as the API shows it, with the id the server gave it."""

    id: int


# TODO 3.5: class ProductFilter, the query string of GET /products as one model
