"""What SQL the learner's app sends, seen from inside the process: every
statement any SQLAlchemy engine runs while a block is open, with the number of
rows it brought back to Python (`with statements() as log: …; log.rows`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Statement:
    """One SELECT the app ran, and how many rows it fetched."""

    sql: str
    rows: int


@dataclass
class StatementLog:
    """What `statements()` recorded, in order."""

    statements: list[Statement] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Rows fetched by every statement of the block, together."""
        return sum(statement.rows for statement in self.statements)

    def summary(self, limit: int = 6) -> str:
        """The first `limit` statements, one a line with their rows, for `got=`."""
        shown = [
            f"{statement.rows:>5} rows  {' '.join(statement.sql.split())[:110]}"
            for statement in self.statements[:limit]
        ]
        more = len(self.statements) - limit
        return "\n".join(shown + ([f"… and {more} more statements"] if more > 0 else []))


def _rows_of(cursor: Any) -> int:
    """Rows a statement returned. The asyncio drivers' adapters (aiosqlite,
    asyncpg) fetch a result whole at execute time and keep it in `_rows`.

    A cursor without it cannot be counted: that is an error in the checks
    (fail closed), never a page that looks cheap because nothing was counted.
    """
    buffered = getattr(cursor, "_rows", None)
    if buffered is None:
        raise RuntimeError(
            f"the checks cannot count the rows fetched through {type(cursor).__name__}: "
            "the driver's cursor keeps no _rows (a SQLAlchemy or driver upgrade?)"
        )
    return len(buffered)


@contextmanager
def statements() -> Iterator[StatementLog]:
    """Record what every engine of the process runs, for the length of the block.

    Listening on the Engine class reaches every engine, the app's included
    (an AsyncEngine runs its statements through a sync Engine inside it).
    """
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    log = StatementLog()

    def record(_conn: Any, cursor: Any, sql: str, *_: Any) -> None:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            log.statements.append(Statement(sql, _rows_of(cursor)))

    event.listen(Engine, "after_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(Engine, "after_cursor_execute", record)
