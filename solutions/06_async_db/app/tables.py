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
    __table_args__ = (
        # The database keeps the rule too, whatever code writes to the table.
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        # SQLite hands out the id of a deleted newest row again, unless the
        # table is AUTOINCREMENT; a PostgreSQL sequence never does.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    price: Mapped[float]
    description: Mapped[str | None] = mapped_column(String(500))
    category: Mapped[str] = mapped_column(String(20))
    # A short list of short strings: one JSON column, on SQLite and PostgreSQL alike.
    tags: Mapped[list[str]] = mapped_column(JSON)
    stock: Mapped[int] = mapped_column(default=0)


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    # unique=True: the database refuses a second row with the same value, even
    # when two requests insert it at the same instant.
    username: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT: a product that has orders cannot be deleted, or its orders
    # would point at nothing. (SQLite checks this only with foreign_keys=ON.)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[int]
