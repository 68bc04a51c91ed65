"""A clean database for every check: a fresh SQLite file, or a fresh
PostgreSQL database created on the server named by WORKBOOK_POSTGRES_URL."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from workbook.postgres import server_url

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def _with_database(url: str, name: str, scheme: str | None = None) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}", scheme=scheme or parts.scheme))


def _admin_url() -> str:
    """Where to connect to create and drop databases (asyncpg wants plain postgresql://)."""
    url = server_url() or DEFAULT_POSTGRES
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql"))


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_admin_url())
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one check; dropped afterwards.
    Yields its SQLAlchemy URL (postgresql+asyncpg://…)."""
    name = f"workbook_{secrets.token_hex(6)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(_admin_url(), name, "postgresql+asyncpg")
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def sqlite_database(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'shop.db'}"
