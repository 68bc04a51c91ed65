"""A clean database for every check: a fresh SQLite file, or, on the
PostgreSQL server named by WORKBOOK_POSTGRES_URL, a fresh role with a schema of
its own.

PostgreSQL looks up unqualified table names in the schema named after the
connecting user first (search_path "$user", public), so an app that connects as
the check's role creates and reads its tables there and sees nothing of any
other check's. A role and a schema cost a few milliseconds to make and drop; a
whole database costs a quarter of a second, and much of the server's time.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from workbook.engine import postgres


def _as_role(url: str, role: str, password: str) -> str:
    """The server's URL, logging in as `role`, for SQLAlchemy's asyncpg driver."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{role}:{quote(password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(scheme="postgresql+asyncpg", netloc=netloc))


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new role owning an empty schema of its own name, for one check; both
    are dropped afterwards. Yields the SQLAlchemy URL to log in as that role."""
    role = f"{postgres.check_role_prefix(os.environ)}{secrets.token_hex(5)}"
    password = secrets.token_urlsafe(12)
    asyncio.run(
        postgres.execute(
            f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'",
            f'CREATE SCHEMA "{role}" AUTHORIZATION "{role}"',
        )
    )
    try:
        yield _as_role(postgres.admin_url(), role, password)
    finally:
        asyncio.run(postgres.execute(*postgres.drop_role_statements(role)))


def sqlite_database(folder: Path) -> str:
    """The SQLAlchemy URL of a fresh SQLite file in `folder`."""
    return f"sqlite+aiosqlite:///{folder / 'shop.db'}"
