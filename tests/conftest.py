"""Shared helpers for the workbook's own tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbook import paths
from workbook.authoring import mutants as known_mutants
from workbook.authoring.mutants import Mutant
from workbook.stages import all_stages

STAGES = all_stages()


def mutants() -> list[Mutant]:
    return [mutant for stage in STAGES for mutant in known_mutants.of_stage(stage)]


def apply_mutant(mutant: Mutant, destination: Path) -> Path:
    """A copy of the stage's solution with the mutant's mistake in it."""
    return known_mutants.apply(mutant, destination)


# Graded on SQLite alone, for a test whose point does not depend on the database.
SQLITE_ONLY = {"WORKBOOK_POSTGRES_URL": ""}


def run_cli(
    *arguments: str,
    state: Path,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    repo: Path = paths.REPO,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m workbook …` as a learner runs it, with its state kept aside."""
    environment = {**os.environ, "WORKBOOK_STATE_DIR": str(state), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "workbook", *arguments],
        cwd=repo,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        input=stdin if stdin is not None else "",
    )


REPO_PARTS = (
    "workbook",
    "checks",
    "stages",
    "solutions",
    "tests",
    "conftest.py",
    "pyproject.toml",
    "Makefile",
)


def copy_repo(destination: Path) -> Path:
    """A copy of the workbook to change freely: new stages, reset stages."""
    destination.mkdir(parents=True)
    for part in REPO_PARTS:
        source = paths.REPO / part
        if source.is_dir():
            shutil.copytree(
                source,
                destination / part,
                ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"),
            )
        else:
            shutil.copy2(source, destination / part)
    return destination


def need(database: str) -> None:
    """Skip a test on PostgreSQL when no server answers, saying why; in CI, fail."""
    from workbook.engine import postgres

    if database == "postgresql" and (reason := postgres.unavailable()):
        if os.environ.get("CI"):
            pytest.fail(f"CI must test on PostgreSQL: {reason}")
        pytest.skip(f"PostgreSQL: {reason}")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"
