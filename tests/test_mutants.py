"""Each known-wrong variant of a solution is caught by the requirement it names,
and the report for it says what was expected and what came back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Mutant, apply_mutant, mutants, need
from workbook import grading


@pytest.mark.parametrize("mutant", mutants(), ids=str)
def test_the_mutant_is_caught_by_its_requirement(mutant: Mutant, tmp_path: Path) -> None:
    need(mutant.database)
    target = apply_mutant(mutant, tmp_path / mutant.stage.name)
    # Only the named requirement's checks: the others would say nothing more.
    result = grading.grade(
        mutant.stage, target, database=mutant.database, only=frozenset({mutant.requirement})
    )
    assert result.error is None, result.error
    named = next(r for r in result.requirements if r.id == mutant.requirement)
    assert named.status in ("fail", "error"), (
        f"{mutant.description!r} should fail {mutant.requirement}, which is {named.status}"
    )
    # The report tells the learner something concrete: a message, and for an
    # HTTP exchange what was expected and what came back.
    problem = named.first_problem
    assert problem is not None
    assert problem.message.strip()
    if problem.outcome == "fail" and problem.got is not None:
        assert problem.expected, f"the report for {mutant} does not say what was expected"
