"""How the `alembic` command reaches the database: Alembic's async template,
with this app's choices.

- The URL is the app's DATABASE_URL, read through the app's settings, so the
  migrations run against the database the app would open, and no URL is
  written in alembic.ini.
- The models are app.data.tables: autogenerate (`alembic revision
  --autogenerate`) and `alembic check` compare the database with them.
- render_as_batch: SQLite cannot change a column with ALTER TABLE, so
  autogenerate writes every change inside `op.batch_alter_table`, which
  PostgreSQL runs as plain ALTERs and SQLite as a copy of the table.
"""

import asyncio
from logging.config import fileConfig
from typing import Any

from alembic import context
from app.core.config import get_settings
from app.data.tables import Base
from sqlalchemy import event, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

config = context.config
if config.config_file_name is not None:
    # disable_existing_loggers=False: configuring the alembic command's logs
    # must not silence the loggers the app's modules made at import.
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: write the SQL out instead of running it."""
    context.configure(
        url=get_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        # All the migrations of one command in one transaction, on SQLite too
        # (PostgreSQL's DDL is transactional anyway): a migration that fails
        # halfway leaves the database as it was, not half changed.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _prepare_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Run on the migration's SQLite connection as it opens."""
    # Batch mode changes a SQLite table by copying it, dropping the old one
    # and renaming the copy. With foreign keys enforced, dropping `products`
    # would delete its tags (ON DELETE CASCADE), clear the idempotency keys'
    # product (SET NULL) and be refused for its orders (RESTRICT). Off for
    # this connection only (it must be said outside a transaction); the app
    # turns them on for its own.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()
    # The driver begins a transaction only before an INSERT or an UPDATE,
    # and leaves CREATE, DROP and ALTER outside it. So: no BEGIN of its own,
    # and _begin sends one whenever SQLAlchemy begins (SQLAlchemy's recipe
    # for transactional DDL on SQLite).
    dbapi_connection.isolation_level = None


def _begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


async def run_async_migrations() -> None:
    # Not the app's make_async_engine, which turns SQLite's foreign keys on
    # (see above). NullPool: one connection, closed when the command is done.
    engine = create_async_engine(get_settings().database_url, poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _prepare_sqlite)
        event.listen(engine.sync_engine, "begin", _begin)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


def run_migrations_online() -> None:
    asyncio.run(run_async_migrations())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
