from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from sqlalchemy import Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

print(0.10 + 0.20)  # 0.30000000000000004: a float is a binary fraction
print(Decimal("0.10") + Decimal("0.20"))  # 0.30: a Decimal is the number you wrote

# In: a string or a number, above 0, at most 2 places and 8 digits before the point.
# Out, in JSON: a string with exactly two places, so 12.5 goes out as "12.50".
Money = Annotated[
    Decimal,
    Field(gt=0, max_digits=10, decimal_places=2),
    PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str, when_used="json"),
]
# The shape of an ISO 4217 code; a list of the real ones would check more.
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    price: Money
    currency: Currency = "EUR"


class ProductOut(ProductIn):
    id: int


class Base(DeclarativeBase):
    pass


class ProductRow(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # NUMERIC(10, 2): ten digits in all, two of them after the point.
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
