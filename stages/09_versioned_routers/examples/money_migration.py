"""Money as money: products.price becomes NUMERIC(10, 2), and a currency.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot ALTER a column's type: batch mode makes the new table,
    # copies every row across, drops the old one and renames the new one.
    # It rebuilds indexes and named constraints from what it reflects, but
    # SQLite's AUTOINCREMENT is not reflected: say it again.
    with op.batch_alter_table("products", table_kwargs={"sqlite_autoincrement": True}) as batch:
        # NOT NULL with a server default: existing rows get "EUR" as they are copied.
        batch.add_column(sa.Column("currency", sa.String(3), nullable=False, server_default="EUR"))
        batch.alter_column(
            "price", existing_type=sa.Double(), type_=sa.Numeric(10, 2), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("products", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.alter_column(
            "price", existing_type=sa.Numeric(10, 2), type_=sa.Double(), existing_nullable=False
        )
        batch.drop_column("currency")
