"""Stage 8's schema, as stage 8's `create_all` made it, written out by the
checks (stage 8's app/tables.py is the same in its skeleton and its solution;
its `Mapped[float]` price is a Double under SQLAlchemy 2.1):
the database a learner's stage 8 app left behind, for 9.8 to upgrade, and the
yardstick for "migration 0001 is the stage 8 schema".

`differences(database_url)` compares a database with it the way `alembic
check` compares one with the models (Alembic's own compare_metadata).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

METADATA = MetaData()
AUTOINCREMENT = {"sqlite_autoincrement": True}

Table(
    "products",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("search_name", String(400), nullable=False),
    Column("price", Double, nullable=False, index=True),
    Column("description", String(500)),
    Column("category", String(20), nullable=False, index=True),
    Column("stock", Integer, nullable=False),
    CheckConstraint("stock >= 0", name="stock_not_negative"),
    **AUTOINCREMENT,
)
Table(
    "product_tags",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column(
        "product_id",
        Integer,
        ForeignKey("products.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("tag", String(30), nullable=False, index=True),
)
Table(
    "idempotency_keys",
    METADATA,
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("product_id", Integer, ForeignKey("products.id", ondelete="SET NULL")),
)
Table(
    "users",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("username", String(32), nullable=False, unique=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("hashed_password", String(255), nullable=False),
    Column("is_admin", Boolean, nullable=False),
    Column("token_version", Integer, nullable=False),
    **AUTOINCREMENT,
)
Table(
    "orders",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column(
        "product_id",
        Integer,
        ForeignKey("products.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    Column("quantity", Integer, nullable=False),
    Column(
        "owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    **AUTOINCREMENT,
)
Table(
    "outbox",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("to", String(320), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    **AUTOINCREMENT,
)
Table(
    "audit_log",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("action", String(10), nullable=False),
    Column("resource", String(20), nullable=False),
    Column("resource_id", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    **AUTOINCREMENT,
)

TABLES = tuple(METADATA.tables)


def _run(database_url: str, work: Any) -> Any:
    async def go() -> Any:
        engine = create_async_engine(database_url, poolclass=NullPool)
        try:
            async with engine.begin() as connection:
                return await connection.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def create(database_url: str) -> None:
    """Stage 8's tables, made on an empty database as stage 8's lifespan made them."""
    _run(database_url, METADATA.create_all)


def differences(database_url: str) -> list[str]:
    """What the database has that stage 8's schema has not, and the reverse, as
    Alembic's autogenerate sees it (Alembic's own table aside)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def compare(connection: Any) -> list[str]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [_describe(diff) for diff in compare_metadata(context, METADATA)]

    return _run(database_url, compare)


def _describe(diff: Any) -> str:
    """One of compare_metadata's tuples, in words."""
    if isinstance(diff, list):  # column changes come as a list of modify_* tuples
        return "; ".join(_describe(item) for item in diff)
    kind, *rest = diff
    if kind in ("add_table", "remove_table"):
        return f"{kind} {rest[0].name}"
    if kind in ("add_column", "remove_column"):
        return f"{kind} {rest[1]}.{rest[2].name}"
    if kind in ("add_index", "remove_index"):
        return f"{kind} {rest[0].name} on {rest[0].table.name}"
    if kind.startswith("modify_"):
        return f"{kind} {rest[1]}.{rest[2]}: {rest[-2]!r} in the database, {rest[-1]!r} in stage 8"
    return f"{kind} {rest[0]!r}"[:160]
