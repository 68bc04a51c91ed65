"""v1's own models: stage 8's products, prices and pages, kept as they were.

A published version is a promise: these models change only where the storage
underneath them forces it. What v2 does differently lives in app/schemas/v2.py.
"""

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.schemas.common import Category, Description, ProductName, Stock, Tag, Tags

# A JSON number, as v1 always had it. Prices are stored as NUMERIC(10, 2) now,
# which sets the bounds: at least a cent and at most 99,999,999.99, and a price
# with more places is rounded to the cent (half up) when it is stored.
Price = Annotated[float, Field(ge=0.01, le=99_999_999.99)]


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

    The one place v1's paging rules are written: every v1 list takes a Page,
    or a model built on it, so no list can drift to other bounds.
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
    price: Price


class PriceChanges(BaseModel):
    """The body of POST /products/price-changes: applied in order, all or none."""

    model_config = ConfigDict(extra="forbid")

    # At least one, and a ceiling like every list a client controls.
    changes: list[PriceChange] = Field(min_length=1, max_length=100)
