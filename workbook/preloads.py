"""Which third-party modules a stage's grading run imports in the parent, once,
before it forks the children.

A child that has to import SQLAlchemy itself spends a fifth of a second on it
before its first check, and every child does so; imported in the parent, it
is already in memory in each of them. The list is read off the imports of the
stage's solution and checks, so a new stage needs no list of its own. Only
installed third-party packages qualify: the learner's code is never imported
outside a child.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path

from workbook.stages import Stage

# Our own packages and the learner's: never imported in the parent.
_OURS = {"app", "checks", "workbook", "tests"}
# Modules SQLAlchemy loads from the URL's scheme, which no import names.
_DRIVERS = {
    "sqlite": ("aiosqlite", "sqlalchemy.dialects.sqlite.aiosqlite"),
    "postgresql": ("asyncpg", "sqlalchemy.dialects.postgresql.asyncpg"),
}


def _imports(source: Path) -> Iterable[str]:
    """The modules `source` imports when it is imported: those at module level.
    One imported inside a function (asyncpg, where only PostgreSQL needs it) is
    left for when it is used."""
    try:
        tree = ast.parse(source.read_bytes(), filename=str(source))
    except (OSError, SyntaxError, ValueError):
        return
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def stage_modules(stage: Stage, database: str) -> list[str]:
    """The third-party modules the stage's solution and checks import, and the
    database driver SQLAlchemy will load, if the stage uses SQLAlchemy."""
    sources = [*sorted((stage.solution / "app").rglob("*.py")), *sorted(stage.checks.rglob("*.py"))]
    found: dict[str, None] = {}
    for source in sources:
        for name in _imports(source):
            top = name.partition(".")[0]
            if top not in _OURS and top not in sys.stdlib_module_names:
                found[name] = None
    if any(name.partition(".")[0] == "sqlalchemy" for name in found):
        found.update(dict.fromkeys(_DRIVERS.get(database, ())))
    return list(found)


def preload_modules(names: Iterable[str]) -> None:
    """Import what can be imported; a module that is missing or fails is left
    to the child, which reports it where it matters."""
    for name in names:
        if name in sys.modules:
            continue
        with contextlib.suppress(Exception):
            if importlib.util.find_spec(name.partition(".")[0]) is not None:
                importlib.import_module(name)
