"""Where PostgreSQL is, for the stages that are graded on it too, and the
roles the checks log in as there."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

POSTGRES_ENV = "WORKBOOK_POSTGRES_URL"


def server_url() -> str | None:
    """The URL of the server to create check databases on, if one is configured."""
    return os.environ.get(POSTGRES_ENV) or None


def unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    url = server_url()
    if url is None:
        return f"{POSTGRES_ENV} is not set (e.g. postgresql://postgres@127.0.0.1:5432/postgres)"
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    try:
        with socket.create_connection((host, port), 2):
            return None
    except OSError as error:
        return f"no PostgreSQL server answers at {host}:{port} ({error.strerror or error})"


DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
RUN_ENV = "WORKBOOK_RUN_ID"


def admin_url() -> str:
    """Where to connect to make and drop the checks' roles (asyncpg wants
    plain postgresql://, without SQLAlchemy's +driver)."""
    url = server_url() or DEFAULT_SERVER
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql"))


def check_role_prefix(environ: Mapping[str, str]) -> str:
    """Every role a grading run makes for its checks starts with this, so the
    run can drop what a killed check left behind, and nothing of another run."""
    return f"workbook_{environ.get(RUN_ENV, 'manual')}_"


def drop_role_statements(role: str) -> tuple[str, ...]:
    """End a check's role: its connections, everything it owns, the role."""
    return (
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'",
        f'DROP OWNED BY "{role}" CASCADE',
        f'DROP ROLE IF EXISTS "{role}"',
    )


@contextlib.asynccontextmanager
async def _admin() -> AsyncIterator[Any]:
    import asyncpg

    connection = await asyncpg.connect(admin_url())
    try:
        yield connection
    finally:
        await connection.close()


async def execute(*statements: str) -> None:
    async with _admin() as connection:
        for statement in statements:
            await connection.execute(statement)


def sweep(run_id: str) -> None:
    """Drop the roles (and schemas) of a run's checks that were not dropped:
    a check stopped by a timeout never reaches its own clean-up."""
    import asyncio

    async def run() -> None:
        async with _admin() as connection:
            roles = await connection.fetch(
                "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)",
                check_role_prefix({RUN_ENV: run_id}),
            )
            for (role,) in roles:
                for statement in drop_role_statements(role):
                    await connection.execute(statement)

    with contextlib.suppress(Exception):  # a server gone away: nothing to sweep
        asyncio.run(run())
