"""The checks' own line to the database the learner's app writes to
(`Database(database_url)`, from stage 6 on).

The checks read the tables themselves, with their own connection: an app that
answers right but stores wrong (or keeps its records in memory, or writes to
another database) is caught. They can also lock the database for a moment, to
make the app wait on it. SQLite goes through the standard library's sqlite3,
PostgreSQL through asyncpg; placeholders are written `?` and rewritten for
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, closing
from typing import Any, NoReturn

from sqlalchemy.engine import make_url

from checks.support.failures import expect, fail

# The tables stage 6's README names; `locked()` locks these unless told others.
TABLES = ("products", "users", "orders")
# How long the checks wait to lock the database before they give up.
LOCK_WAIT = 5.0


class Database:
    """One database, named by the SQLAlchemy URL the app was given."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.kind = "SQLite" if self.is_sqlite else "PostgreSQL"
        if self.is_sqlite:
            self.path = parsed.database or ""
        else:
            # asyncpg speaks plain postgresql://, without SQLAlchemy's +driver.
            self.dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)

    # Reading ---------------------------------------------------------------------------------

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Every row `sql` returns, as tuples; `?` marks a parameter."""
        if self.is_sqlite:
            with closing(sqlite3.connect(self.path, timeout=10)) as connection:
                return [tuple(row) for row in connection.execute(sql, params).fetchall()]
        return asyncio.run(self._pg_rows(sql, params))

    async def _pg_rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        import asyncpg

        numbered = iter(range(1, sql.count("?") + 1))
        statement = re.sub(r"\?", lambda _: f"${next(numbered)}", sql)
        connection = await asyncpg.connect(self.dsn)
        try:
            return [tuple(row) for row in await connection.fetch(statement, *params)]
        finally:
            await connection.close()

    def execute(self, sql: str, *params: Any) -> None:
        """Run one statement and commit it."""
        if self.is_sqlite:
            with closing(sqlite3.connect(self.path, timeout=10)) as connection:
                connection.execute(sql, params)
                connection.commit()
            return
        asyncio.run(self._pg_rows(sql, params))

    async def acount(self, table: str, where: str = "", *params: Any) -> int:
        """count(), from inside a running event loop (the app's, in a check's route)."""
        sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
        if self.is_sqlite:
            with closing(sqlite3.connect(self.path, timeout=10)) as connection:
                return int(connection.execute(sql, params).fetchone()[0])
        rows = await self._pg_rows(sql, params)
        return int(rows[0][0])

    def scalar(self, sql: str, *params: Any) -> Any:
        """The first column of the first row (None when there is no row)."""
        rows = self.rows(sql, *params)
        return rows[0][0] if rows else None

    def tables(self) -> set[str]:
        """The names of the tables in the app's schema."""
        if self.is_sqlite:
            found = self.rows("SELECT name FROM sqlite_master WHERE type = 'table'")
        else:
            found = self.rows(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        return {str(name) for (name,) in found}

    def columns(self, table: str) -> list[str]:
        """The column names of `table`, in their order ([] when there is no such table)."""
        if self.is_sqlite:
            return [str(row[1]) for row in self.rows(f"PRAGMA table_info({table})")]
        return [
            str(row[0])
            for row in self.rows(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = ? AND table_schema = current_schema() "
                "ORDER BY ordinal_position",
                table,
            )
        ]

    def records(self, table: str, where: str = "", *params: Any) -> list[dict[str, Any]]:
        """The rows of `table` (optionally `WHERE where`) as {column: value};
        a missing table fails the check, naming it."""
        names = self.columns(table)
        if not names:
            fail(f"the database has no {table} table", expected=f"the {table} table")
        sql = f"SELECT * FROM {table}" + (f" WHERE {where}" if where else "")
        return [dict(zip(names, row, strict=True)) for row in self.rows(sql, *params)]

    def count(self, table: str, where: str = "", *params: Any) -> int:
        """count(*) of `table`, optionally `WHERE where` (with `?` parameters)."""
        sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
        return int(self.scalar(sql, *params))

    def expect_count(
        self,
        table: str,
        wanted: int,
        message: str,
        where: str = "",
        *params: Any,
        response: Any = None,
    ) -> None:
        """count(*) of `table` (`WHERE where`) is `wanted`; else fail with `message`."""
        found = self.count(table, where, *params)
        expect(
            found == wanted,
            message,
            expected=f"{wanted} row{'s' * (wanted != 1)} in {table}",
            got=f"{found} row{'s' * (found != 1)}",
            response=response,
        )

    def connections(self) -> int | None:
        """Open connections to this database (PostgreSQL only; None on SQLite)."""
        if self.is_sqlite:
            return None
        # Each check's app logs in as a role of its own (checks.support.databases).
        return int(
            self.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = current_user "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
        )

    # Locking ---------------------------------------------------------------------------------

    @asynccontextmanager
    async def locked(
        self, tables: Iterable[str] = TABLES
    ) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        """Lock the tables against the app, readers and writers alike, until
        the `release()` handed out is awaited (or the block ends)."""
        if self.is_sqlite:
            # EXCLUSIVE keeps every other connection out of the file, reads included
            # (in WAL mode readers still get in; writers wait either way).
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=LOCK_WAIT)
            try:
                connection.execute("BEGIN EXCLUSIVE")
            except sqlite3.OperationalError:
                connection.close()
                _cannot_lock()

            async def release() -> None:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")

            try:
                yield release
            finally:
                await release()
                connection.close()
            return

        import asyncpg

        connection = await asyncpg.connect(self.dsn)
        transaction = connection.transaction()
        await transaction.start()
        names = ", ".join(sorted(tables))
        try:
            await connection.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT:g}s'")
            await connection.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
        except asyncpg.LockNotAvailableError:
            await transaction.rollback()
            await connection.close()
            _cannot_lock()
        released = False

        async def release() -> None:
            nonlocal released
            if not released:
                released = True
                await transaction.rollback()

        try:
            yield release
        finally:
            await release()
            await connection.close()


def _cannot_lock() -> NoReturn:
    fail(
        f"the checks could not lock the database within {LOCK_WAIT:g} s, while your app had "
        "no request to serve: something in it keeps a transaction open when it is idle. Is "
        "every session closed at the end of its request (async with, in get_session)?",
        expected="an idle app holds no lock on the database",
        got=f"the database stayed locked for {LOCK_WAIT:g} s",
    )
