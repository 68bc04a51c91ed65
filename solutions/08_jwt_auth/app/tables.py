"""How the shop's records are stored: one mapped class per table.

SQLAlchemy 2.x declarative mapping: each class is a table, and each
`Mapped[...]` attribute a column whose SQL type and NULL-ability come from its
annotation (`Mapped[str | None]` may be NULL, `Mapped[str]` may not). These
classes stay inside the repository: routes see the Pydantic models of
app/models.py, so how a record is stored and what the API shows can differ.
"""

from datetime import UTC, datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, String, Text
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
    # The Argon2id hash, never the password: "$argon2id$v=19$m=65536,t=3,p=4$…".
    hashed_password: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    # Goes up by one when the password changes: a token carries the version it
    # was issued under, and one with an older version is no longer accepted.
    token_version: Mapped[int] = mapped_column(default=0)


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
    # Who placed it. CASCADE: a user who deletes their account takes their
    # orders with them.
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


def _now() -> datetime:
    return datetime.now(UTC)


class OutboxMessageRow(Base):
    """An email the app has sent: the stand-in mail server keeps it here."""

    __tablename__ = "outbox"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Set by Python at INSERT, so the row has it without reading it back.
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AuditEntryRow(Base):
    """One write, recorded after its response: what was done, to which record."""

    __tablename__ = "audit_log"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(10))
    resource: Mapped[str] = mapped_column(String(20))
    # No foreign key: the entry outlives the record it is about.
    resource_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
