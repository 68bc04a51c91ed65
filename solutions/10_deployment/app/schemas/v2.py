"""v2's own models: money as exact decimals, and lists paged by cursor.

Both are breaking changes, which is why they wait for a new version: a v1
client that reads `price` as a number, or pages with `offset`, keeps working
on v1 until its sunset, and moves when it is ready.
"""

import base64
import binascii
import json
from decimal import Decimal
from typing import Annotated, Generic, Self, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from app.data.repository import Slice
from app.schemas.common import Category, Description, ProductName, Stock, Tag, Tags

# -- money ----------------------------------------------------------------------

# An amount of money: never a float, whose 0.1 is 0.1000000000000000055…, and
# whose 0.1 + 0.2 is not 0.3. A Decimal is the number as written.
# In: a string ("12.50", exact) or a JSON number (12.5), above 0, with at most
# two places and eight digits before the point: what NUMERIC(10, 2) holds.
# More places are refused (422), not rounded: the client meant some amount,
# and the server must not guess which. "1e3" is accepted, as the exact 1000.
# Out: always a string with exactly two places, "12.50", which every JSON
# parser hands over as it is, where a number would become a float again.
Money = Annotated[
    Decimal,
    Field(gt=0, max_digits=10, decimal_places=2, examples=["12.50"]),
    PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str, when_used="json"),
]
# ISO 4217's shape: three capital letters. (The list of codes that exist
# changes; a shop usually accepts the few it can be paid in.)
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]
# A bound of a price filter: any decimal from 0 up, as many places as sent.
PriceBound = Annotated[Decimal, Field(ge=0)]


class ProductBase(BaseModel):
    """What a v2 product looks like on the way in and on the way out."""

    name: ProductName
    price: Money
    currency: Currency = "EUR"
    description: Description | None = None
    category: Category = Category.other
    tags: Tags = Field(default_factory=list)
    stock: Stock = 0


class ProductCreate(ProductBase):
    """The body of POST /api/v2/products. The server assigns the id."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Brass lantern",
                    "price": "24.50",
                    "currency": "EUR",
                    "description": "Hand-polished, with a glass chimney.",
                    "category": "garden",
                    "tags": ["outdoor", "gift"],
                    "stock": 12,
                }
            ]
        },
    )


class ProductPublic(ProductBase):
    """A v2 product as the API shows it, with the id the server gave it."""

    id: int


class ProductUpdate(BaseModel):
    """The body of PATCH /api/v2/products/{product_id}: any of a product's
    fields, and only those sent are changed."""

    model_config = ConfigDict(extra="forbid")

    name: ProductName | None = None
    price: Money | None = None
    currency: Currency | None = None
    # null is a real value here: it clears the description.
    description: Description | None = None
    category: Category | None = None
    tags: Tags | None = None
    stock: Stock | None = None

    @field_validator("name", "price", "currency", "category", "tags", "stock")
    @classmethod
    def not_null(cls, value: object) -> object:
        # Leaving a field out keeps it; null would erase a field that every
        # product must have.
        if value is None:
            raise ValueError("can be left out, but cannot be null")
        return value


class PriceChange(BaseModel):
    """One product's new price, in a batch."""

    model_config = ConfigDict(extra="forbid")

    product_id: int = Field(ge=1)
    price: Money


class PriceChanges(BaseModel):
    """The body of POST /api/v2/products/price-changes: applied in order, all or none."""

    model_config = ConfigDict(extra="forbid")

    changes: list[PriceChange] = Field(min_length=1, max_length=100)


# -- pages ----------------------------------------------------------------------


class InvalidCursorError(ValueError):
    """A cursor this API did not make: the list answers 422."""


def encode_cursor(last_id: int) -> str:
    """The cursor of the page that starts after the record `last_id`.

    Opaque to clients (base64url of a small JSON object): they hand it back,
    they do not build it, so what it holds can change without breaking them.
    It needs no signature: all it can say is where to resume, which any
    client could reach by paging, and it opens nothing.
    """
    raw = json.dumps({"after": last_id}, separators=(",", ":")).encode()
    # base64url, and without the "=" padding, which would need escaping in a URL.
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: object) -> int:
    """The id a cursor from encode_cursor stands for; InvalidCursorError otherwise."""
    if not isinstance(cursor, str):
        raise InvalidCursorError("a cursor is a string")
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        after = json.loads(raw)["after"]
    # Not base64 (binascii.Error), not ASCII or not JSON (ValueError), not an
    # object, or one without "after" (TypeError, KeyError).
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise InvalidCursorError("not a cursor from this API") from None
    # bool is an int in Python, and JSON's true would pass isinstance.
    if type(after) is not int or after < 0:
        raise InvalidCursorError("not a cursor from this API")
    return after


# In the URL a string; in the model the id it stands for, decoded while the
# query string is validated, so a bad cursor is a 422 like any bad parameter.
Cursor = Annotated[
    int,
    BeforeValidator(decode_cursor),
    WithJsonSchema({"type": "string", "examples": ["eyJhZnRlciI6MjB9"]}),
]


class CursorParams(BaseModel):
    """Which page of a v2 list: at most `limit` records, after the cursor's.

    No `offset`: with extra="forbid" it is a 422, not a parameter ignored.
    """

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100)
    # ?cursor=… is the next_cursor of the page before (none for the first
    # page); the model keeps the id it stands for, as `after`, which is what
    # the repository's keyset pages ask for.
    after: Cursor | None = Field(
        default=None,
        alias="cursor",
        description="The next_cursor of the page before; leave it out for the first page.",
    )


class ProductFilter(CursorParams):
    """The query string of a v2 product list: which products, then which page."""

    model_config = ConfigDict(extra="forbid")

    min_price: PriceBound | None = None
    max_price: PriceBound | None = None
    tag: list[Tag] = Field(default_factory=list, max_length=10)
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


ItemT = TypeVar("ItemT", bound=BaseModel)


class Page(BaseModel, Generic[ItemT]):
    """One page of a v2 list, oldest first, and where the next one starts."""

    items: list[ItemT]
    next_cursor: str | None = Field(
        description="Send it back as ?cursor= for the next page; null on the last page."
    )


def page_of(found: Slice[ItemT]) -> Page[ItemT]:
    """The page the repository found, with the cursor to the page after it:
    the id of its last record, when more records come after it."""
    last = found.records[-1] if found.has_more else None
    return Page(items=found.records, next_cursor=encode_cursor(last.id) if last else None)
