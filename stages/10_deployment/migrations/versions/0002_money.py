"""Money as money: products.price becomes NUMERIC(10, 2), and products get a currency.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Changed in place, rows and all: PostgreSQL converts the column with ALTER
TABLE … ALTER COLUMN … TYPE, each double to the nearest cent. SQLite cannot
change a column's type, so batch mode does what it would do by hand: it
makes the new table, copies every row across, drops the old table and
renames the new one, in one transaction. Never a drop and create of the
table by the migration itself: that would lose every product.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Batch mode rebuilds the SQLite table from what it reflects, and SQLite's
# AUTOINCREMENT is not reflected: it must be said again. (The CHECK on stock,
# the indexes and the foreign keys that point here are kept.) Ignored on
# PostgreSQL, whose sequence the ALTER leaves alone.
KEEP_AUTOINCREMENT = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with (
        _products_rebuilt(),
        op.batch_alter_table("products", table_kwargs=KEEP_AUTOINCREMENT) as batch,
    ):
        # NOT NULL with a server default: the rows already there get EUR, the
        # only currency the shop sold in before.
        batch.add_column(sa.Column("currency", sa.String(3), nullable=False, server_default="EUR"))
        batch.alter_column(
            "price", existing_type=sa.Double(), type_=sa.Numeric(10, 2), existing_nullable=False
        )
    if _on_sqlite():
        # PostgreSQL's NUMERIC(10, 2) rounded each price to the cent; SQLite
        # keeps the double it had. Round it here, so that a stage 8 price with
        # more places (12.345) is the same cent on both databases.
        op.execute("UPDATE products SET price = ROUND(price, 2)")


def downgrade() -> None:
    with (
        _products_rebuilt(),
        op.batch_alter_table("products", table_kwargs=KEEP_AUTOINCREMENT) as batch,
    ):
        # Every NUMERIC(10, 2) fits a double closely enough to read back the
        # same cents: the way back loses nothing but the currency.
        batch.alter_column(
            "price", existing_type=sa.Numeric(10, 2), type_=sa.Double(), existing_nullable=False
        )
        batch.drop_column("currency")


def _on_sqlite() -> bool:
    return op.get_context().dialect.name == "sqlite"


@contextmanager
def _products_rebuilt() -> Iterator[None]:
    """Keep SQLite's count of the product ids it handed out across a rebuild.

    AUTOINCREMENT never hands out an id again, deleted rows' included: SQLite
    keeps the last one in sqlite_sequence. Batch mode's copy starts a new
    count at the largest id copied, so the ids of the newest products deleted
    before the migration would come back, and what still names them (the
    audit log, a client's bookmark) would name another product.
    """
    if not _on_sqlite():
        yield
        return
    last_id = op.get_bind().scalar(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'products'")
    )
    yield
    if last_id is not None:
        op.execute("DELETE FROM sqlite_sequence WHERE name = 'products'")
        op.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('products', :seq)").bindparams(
                seq=last_id
            )
        )
