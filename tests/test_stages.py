"""Every stage keeps the contract: the solution passes every check, the
skeleton leaves every requirement to do, and stage.toml, the checks, the README
and the skeleton (which differs from the solution only at its TODOs) agree."""

from __future__ import annotations

import functools
import re

import pytest

from tests.conftest import STAGES, need
from tests.seeds import SEEDS
from workbook.authoring import consistency
from workbook.engine import grading
from workbook.engine.results import StageResult
from workbook.stages import Stage

by_name = pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.name)
# Stages graded on PostgreSQL too are tested there as well.
on_each_database = pytest.mark.parametrize(
    ("stage", "database"),
    [(stage, database) for stage in STAGES for database in stage.databases],
    ids=lambda value: value.name if isinstance(value, Stage) else value,
)


@functools.cache
def solution_result(stage: Stage, database: str) -> StageResult:
    """The solution graded once per session: three tests read the same result.
    On SQLite each check that draws random data runs under every seed of
    tests/seeds.py; on PostgreSQL under the first only: what a seed draws does
    not depend on the database, and the five-seed run there doubled the cost of
    the stages graded on both."""
    seeds = SEEDS if database == "sqlite" else SEEDS[:1]
    return grading.grade(stage, stage.solution, database=database, seeds=seeds, stage_timeout=300)


@on_each_database
def test_the_solution_passes_every_requirement(stage: Stage, database: str) -> None:
    need(database)
    result = solution_result(stage, database)
    failing = {r.id: r.message for r in result.requirements if r.status != "pass"}
    assert result.error is None, result.error
    assert failing == {}


@by_name
def test_the_skeleton_leaves_every_requirement_to_do(stage: Stage) -> None:
    # On SQLite: a skeleton's TODOs are in its files, whatever the database
    # (each PostgreSQL grading of a skeleton cost 5-10 s and found nothing more).
    result = grading.grade(stage, stage.folder, database="sqlite")
    assert result.error is None, result.error
    not_todo = {r.id: f"{r.status}: {r.message}" for r in result.requirements if r.status != "todo"}
    assert not_todo == {}


@by_name
def test_every_requirement_has_a_check_and_every_check_a_requirement(stage: Stage) -> None:
    result = solution_result(stage, "sqlite")
    unchecked = [r.id for r in result.requirements if not r.checks]
    assert unchecked == []
    assert result.error is None  # a check naming an unknown requirement sets it


@by_name
def test_the_skeleton_differs_from_the_solution_only_in_todo_regions(stage: Stage) -> None:
    assert consistency.problems(stage) == []


@by_name
def test_the_readme_names_every_requirement(stage: Stage) -> None:
    readme = (stage.folder / "README.md").read_text(encoding="utf-8")
    missing = [r.id for r in stage.requirements if not re.search(rf"\b{re.escape(r.id)}\b", readme)]
    assert missing == []


@by_name
def test_every_python_snippet_in_the_readme_compiles(stage: Stage) -> None:
    readme = (stage.folder / "README.md").read_text(encoding="utf-8")
    snippets = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert snippets, "a lesson shows code"
    for number, snippet in enumerate(snippets, 1):
        compile(snippet, f"{stage.name}/README.md snippet {number}", "exec")


SUMMARY_LIMIT = 200  # one line of the report; the README states the detail


@by_name
def test_every_requirement_summary_fits_one_line(stage: Stage) -> None:
    long = {r.id: len(r.summary) for r in stage.requirements if len(r.summary) > SUMMARY_LIMIT}
    assert long == {}
    # A summary says what the requirement is (a script once cut stage 5's to one letter).
    short = {r.id: r.summary for r in stage.requirements if len(r.summary.split()) < 5}
    assert short == {}


@by_name
def test_every_requirement_has_a_ladder_of_hints(stage: Stage) -> None:
    short = [
        r.id for r in stage.requirements if len(r.hints) < 2 or not all(h.strip() for h in r.hints)
    ]
    assert short == []


@by_name
def test_the_stage_has_at_least_three_mutants(stage: Stage) -> None:
    names = (
        [p.name for p in stage.mutants.iterdir() if p.is_dir()] if stage.mutants.is_dir() else []
    )
    assert len(names) >= 3, f"{stage.name} has {len(names)} mutants"
