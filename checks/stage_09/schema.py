"""The schema of a stage 9 check, made from the learner's own models
(`Base.metadata` of app/data/tables.py) on the check's database."""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import Any

from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from workbook.engine.app_loader import AppLoadError, where

TABLES_MODULE = "app.data.tables"


def learner_metadata(target: Any) -> Any:
    """`Base.metadata` of the learner's app/data/tables.py (imported with the app)."""
    try:
        module = sys.modules.get(TABLES_MODULE) or importlib.import_module(TABLES_MODULE)
    except ModuleNotFoundError as error:
        raise AppLoadError(
            f"Importing app.data.tables failed: there is no module named {error.name!r}.\n"
            f"{where(error, target)}\n"
            "Stage 9's checks make each check's tables from the models in "
            "app/data/tables.py (`Base.metadata`), as Alembic's autogenerate does: the mapped "
            "classes go there, with `class Base(DeclarativeBase)`."
        ) from None
    except Exception as error:  # the learner's module may raise anything at import
        raise AppLoadError(
            f"Importing app.data.tables raised {type(error).__name__}: {error}\n"
            f"{where(error, target)}"
        ) from None
    metadata = getattr(getattr(module, "Base", None), "metadata", None) or _only_metadata(module)
    if metadata is None or not hasattr(metadata, "create_all"):
        raise AppLoadError(
            "app/data/tables.py has no `Base` with a metadata: stage 9's checks make each "
            "check's tables from it (and Alembic's env.py sets target_metadata = "
            "Base.metadata). Define `class Base(DeclarativeBase)` there, and the mapped "
            "classes on it."
        )
    return metadata


def _only_metadata(module: Any) -> Any:
    """The one MetaData the module's declarative base (by another name) or its
    tables hold, when there is exactly one; None otherwise."""
    from sqlalchemy import MetaData

    found = {
        id(candidate): candidate
        for value in vars(module).values()
        if isinstance(candidate := getattr(value, "metadata", value), MetaData)
    }
    return next(iter(found.values())) if len(found) == 1 else None


def create_schema(database_url: str, target: Any) -> None:
    """Every table of the learner's models, made on the check's database."""
    metadata = learner_metadata(target)

    async def build() -> None:
        # NullPool: no connection outlives this call, or the check's database
        # would count one the app never opened.
        engine = create_async_engine(database_url, poolclass=NullPool)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(metadata.create_all)
        finally:
            await engine.dispose()

    try:
        asyncio.run(build())
    except Exception as error:  # a model the database refuses: the learner's to fix
        raise AppLoadError(
            "The checks could not create the tables of app/data/tables.py on a fresh "
            f"database (Base.metadata.create_all): {type(error).__name__}: "
            f"{str(error).strip().splitlines()[0] if str(error).strip() else ''}\n"
            f"{where(error, target)}"
        ) from None
