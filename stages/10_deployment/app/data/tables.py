"""How the shop's records are stored: one mapped class per table.

SQLAlchemy 2.x declarative mapping: each class is a table, and each
`Mapped[...]` attribute a column whose SQL type and NULL-ability come from its
annotation (`Mapped[str | None]` may be NULL, `Mapped[str]` may not). These
classes stay inside the repository: routes see the Pydantic models of
app/schemas/, so how a record is stored and what each version shows can differ.

The schema these classes describe is made and changed by Alembic's migrations
(migrations/versions/), never by the app: a change here needs a migration
that makes it, and `alembic check` says when the two differ.
"""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Numeric, String, Text, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

CENT = Decimal("0.01")


class Base(DeclarativeBase):
    """Every table of the shop. Its metadata is what Alembic compares the
    database with (migrations/env.py)."""


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
    # The name casefolded, written by the app whenever the name is (below), for
    # the search ?q=: SQL's lower() and SQLite's LIKE fold ASCII letters only,
    # Python's casefold() folds every language ("Straße" is found by "SS").
    # Casefolding can lengthen a name ("ß" becomes "ss"), hence the room.
    search_name: Mapped[str] = mapped_column(String(400))
    # Money, never a float. NUMERIC(10, 2): ten digits, two of them after the
    # point, so up to 99,999,999.99; PostgreSQL keeps exactly that and hands
    # back a Decimal. SQLite has no decimal type: it keeps the value as a
    # double, and SQLAlchemy reads it back rounded to the column's two places
    # (older SQLAlchemy releases warned about that conversion; 2.1 does not).
    # A double holds 15 significant digits and NUMERIC(10, 2) needs 10, so
    # every price comes back exactly as stored; only arithmetic in SQL (a SUM)
    # would be a float there.
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2), index=True)
    description: Mapped[str | None] = mapped_column(String(500))
    category: Mapped[str] = mapped_column(String(20), index=True)
    stock: Mapped[int] = mapped_column(default=0)
    # ISO 4217; last, where migration 0002 adds it. The server default fills
    # it for the rows that were there before it, and for any INSERT that
    # leaves it out; the Python default puts it in the ORM's own INSERT, so a
    # new row knows its currency without reading it back.
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    # One row per tag, in a table of their own, so that "has every tag" is a
    # query the database answers with an index, not a scan of JSON in Python.
    # selectin: the tags of every product a query returns are loaded at once,
    # in one more SELECT; asyncio code cannot load them lazily later.
    tag_rows: Mapped[list["ProductTagRow"]] = relationship(
        lazy="selectin",
        order_by="ProductTagRow.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @validates("name")
    def _fold_name(self, _key: str, name: str) -> str:
        self.search_name = name.casefold()
        return name

    @validates("price")
    def _whole_cents(self, _key: str, price: Decimal | float) -> Decimal:
        # v2 sends at most two places (it refuses more); v1 sends a float,
        # rounded here to the cent, half up, as PostgreSQL's NUMERIC would:
        # then both databases hold the same cents, and compare the same ones.
        # str() first: Decimal(0.1) is 0.1000000000000000055…, Decimal("0.1") 0.1.
        return Decimal(str(price)).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def tags(self) -> list[str]:
        """The tags in the order the client gave them."""
        return [row.tag for row in self.tag_rows]

    @tags.setter
    def tags(self, tags: list[str]) -> None:
        # An update that leaves the tags alone rewrites no rows. A new row sets
        # them always: left unset, they would be loaded lazily after the
        # INSERT, which asyncio code cannot do (MissingGreenlet).
        if inspect(self).persistent and tags == self.tags:
            return
        # The old rows are orphans now, and go (delete-orphan).
        self.tag_rows = [ProductTagRow(tag=tag) for tag in tags]


class ProductTagRow(Base):
    """One tag of one product."""

    __tablename__ = "product_tags"

    # Ids in insertion order keep the tags in the order the client sent them.
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    # Indexed for the filter ?tag=: which products have this tag.
    tag: Mapped[str] = mapped_column(String(30), index=True)


class IdempotencyKeyRow(Base):
    """An Idempotency-Key a client sent with POST /products, and what it created.

    In the database, not in a dict in process memory: a restart does not forget
    it, and every worker that shares the database shares the keys.
    """

    __tablename__ = "idempotency_keys"

    # The primary key is unique: of two requests that bring the same new key at
    # the same instant, the database lets one claim it, and only one.
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # A digest of the body the key came with: a retry must send the same one.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # SET NULL: a deleted product leaves its key behind, and a replay says 404
    # rather than create the product again.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))


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
