"""Each known-wrong variant of a solution is caught by the requirement it names,
under every one of the fixed seeds, and the report for it says what was expected
and what came back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Mutant, apply_mutant, mutants, need
from tests.seeds import SEEDS, verdicts_by_seed
from workbook.engine import grading


@pytest.mark.parametrize("mutant", mutants(), ids=str)
def test_the_mutant_is_caught_by_its_requirement(mutant: Mutant, tmp_path: Path) -> None:
    need(mutant.database)
    target = apply_mutant(mutant, tmp_path / mutant.stage.name)
    # Only the named requirement's checks: the others would say nothing more.
    # Every check that draws random data runs once per seed, in the same run.
    result = grading.grade(
        mutant.stage,
        target,
        database=mutant.database,
        only=frozenset({mutant.requirement}),
        seeds=SEEDS,
        # A failure under each seed is all this test asks: the requirement's
        # other checks under that seed are skipped once one fails.
        first_failure=True,
    )
    assert result.error is None, result.error
    by_seed = {
        seed: verdicts[mutant.requirement] for seed, verdicts in verdicts_by_seed(result).items()
    }
    missed = sorted(seed for seed, verdict in by_seed.items() if verdict != "wrong")
    assert not missed, (
        f"{mutant.description!r} should fail {mutant.requirement} under every seed; "
        f"under {', '.join(missed)} it is {', '.join(sorted({by_seed[s] for s in missed}))}"
    )
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
