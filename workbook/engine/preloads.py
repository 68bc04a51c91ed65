"""What a grading run imports in the parent, once, before it forks the
children: `preload()` what every stage needs (FastAPI, the TestClient, pytest's
plugins, warmed caches), `stage_modules` and `preload_modules` what this stage's
solution and checks import.

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


def preload() -> None:
    """Import what every child needs, once, in the parent. Children forked
    afterwards start with it in memory: this halves the time of a check.
    Only third-party code: the learner's app is imported in children alone,
    and pytest plugins given with -p must be imported by pytest itself."""
    import importlib

    import anyio._backends._asyncio
    import anyio.from_thread  # noqa: F401
    import fastapi.testclient  # noqa: F401
    from _pytest.config import default_plugins
    from fastapi import FastAPI

    for name in (*default_plugins, "debugging"):
        importlib.import_module(f"_pytest.{name}")
    # Building one throwaway app runs FastAPI's lazy imports and caches (route
    # compilation, schema generation) here, once, instead of in every child.
    warm = FastAPI()

    @warm.get("/{item_id}")
    def read(item_id: int, q: str | None = None) -> dict[str, int]:
        return {"item_id": item_id}

    warm.openapi()
    # EmailStr loads email-validator (and its DNS and IDNA libraries) on first use.
    with contextlib.suppress(ImportError):
        from pydantic import EmailStr, TypeAdapter

        TypeAdapter(EmailStr).validate_python("warm@example.com")
