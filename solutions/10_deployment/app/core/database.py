"""The way to the database: an engine made from the settings, and the sessions
it hands out.

Nothing here runs at import. The app's lifespan (app/main.py) calls these at
startup, with the DATABASE_URL of the process it runs in, and disposes of the
engine at shutdown. The tables are not made here: Alembic's migrations make
and change them (migrations/).
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def make_async_engine(database_url: str) -> AsyncEngine:
    """An engine for `database_url`: a pool of connections, opened as needed.

    The URL names the driver too: sqlite+aiosqlite:///./shop.db, or
    postgresql+asyncpg://user:password@host/shop. Both drivers are asyncio
    ones; a plain sqlite:// or postgresql:// URL would pick a blocking one.

    Not named create_engine: that is SQLAlchemy's, and it makes a blocking
    engine. A name that says "async" keeps the two apart in every import.
    """
    engine = create_async_engine(database_url)
    if engine.dialect.name == "sqlite":
        # SQLite ignores foreign keys unless each connection turns them on.
        event.listen(engine.sync_engine, "connect", _enforce_foreign_keys)
    return engine


def _enforce_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    """Run on every new SQLite connection, before the pool hands it out."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """What makes one AsyncSession per request.

    expire_on_commit=False: after a commit, the objects a session loaded keep
    their values. With the default (True) the next read of any attribute
    reloads it from the database, an implicit query that asyncio cannot run
    (MissingGreenlet).
    """
    return async_sessionmaker(engine, expire_on_commit=False)
