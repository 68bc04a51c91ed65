"""How the shop's records are stored: one mapped class per table.

SQLAlchemy 2.x declarative mapping: each class is a table, and each
`Mapped[...]` attribute a column whose SQL type and NULL-ability come from its
annotation (`Mapped[str | None]` may be NULL, `Mapped[str]` may not). These
classes stay inside the repository: routes see the Pydantic models of
app/models.py, so how a record is stored and what the API shows can differ.
"""

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Every table of the shop: `Base.metadata.create_all` makes the missing ones."""


class ProductRow(Base):
    __tablename__ = "products"
    # TODO 6.3: ids never handed out twice on SQLite: {"sqlite_autoincrement": True}
    # TODO 6.5: a stock column (0 by default); TODO 6.7: a CheckConstraint("stock >= 0") too
    __table_args__ = ()

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    price: Mapped[float]
    description: Mapped[str | None] = mapped_column(String(500))
    category: Mapped[str] = mapped_column(String(20))
    # A short list of short strings: one JSON column, on SQLite and PostgreSQL alike.
    # TODO 6.9: the tags in a product_tags table of their own, and the name
    # casefolded in a column of its own, so that the database can filter by both.
    tags: Mapped[list[str]] = mapped_column(JSON)


class UserRow(Base):
    __tablename__ = "users"
    # TODO 6.3: sqlite_autoincrement, as for products

    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO 6.4: username and email are unique in the database
    username: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(320))


class OrderRow(Base):
    __tablename__ = "orders"
    # TODO 6.3: sqlite_autoincrement, as for products

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(index=True)  # TODO 6.6: a foreign key
    quantity: Mapped[int]
