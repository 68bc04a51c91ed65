"""What the shop API accepts and what it returns.

Each resource is a family of models: what a client may send (`…Create`) and
what the API sends back (`…Public`), both built on the fields they share
(`…Base`). Keeping the families apart is what stops a client from choosing its
own id, and what keeps a password inside the server.
"""

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class UserBase(BaseModel):
    """What a user looks like on the way in and on the way out."""

    # TODO 2.4: bound the username to 3–32 characters; make the email an EmailStr
    username: str
    email: str


class UserCreate(UserBase):
    """The body of POST /users: the only model that ever holds a password."""

    model_config = ConfigDict(
        # TODO 2.7: refuse keys the model does not declare (a client must not send an id)
        # TODO 2.8: give /docs an example body (json_schema_extra={"examples": [...]})
    )

    password: str  # TODO 2.4: 8–128 characters


class UserPublic(UserBase):
    """A user as the API shows it. No password field, so none can be sent."""

    id: int


class ProductBase(BaseModel):
    """What a product looks like on the way in and on the way out."""

    # TODO 2.6: name 1–100 characters, price above 0, description at most 500 characters
    name: str
    price: float
    description: str | None = None


class ProductCreate(ProductBase):
    """The body of POST /products. The server assigns the id."""

    model_config = ConfigDict(
        # TODO 2.7: refuse keys the model does not declare (a client must not send an id)
        # TODO 2.8: give /docs an example body (json_schema_extra={"examples": [...]})
    )


class ProductPublic(ProductBase):
    """A product as the API shows it, with the id the server gave it."""

    id: int
