"""Requirements are independent in the README's order: once 1..k are done, 1..k
pass, whatever is still to do after them. For each stage and each k, the
skeleton with only its first k requirements completed from the solution (the
regions whose TODOs they name) is graded on those k requirements."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import STAGES
from workbook import grading
from workbook.authoring.consistency import completed_up_to
from workbook.authoring.patches import write_files
from workbook.stages import Stage

# Where the reconstruction cannot stand for a learner's state, and why. The
# reconstruction takes each region from the solution, which is the stage's end
# state: when a later requirement rewrites the code of an earlier one (a query
# model that replaces the separate parameters of an earlier requirement), the
# earlier requirement's own version is not in the solution to take.
UNRECONSTRUCTIBLE: dict[tuple[str, int], str] = {}

PREFIXES = [
    (stage, k) for stage in STAGES for k in range(1, len(stage.requirements))
]  # k = all is the solution itself, tested elsewhere


@pytest.mark.parametrize(
    ("stage", "k"), PREFIXES, ids=[f"{stage.name}-first-{k}" for stage, k in PREFIXES]
)
def test_the_first_k_requirements_pass_without_the_rest(
    stage: Stage, k: int, tmp_path: Path
) -> None:
    if reason := UNRECONSTRUCTIBLE.get((stage.name, k)):
        pytest.skip(reason)
    done = {r.id for r in stage.requirements[:k]}
    target = tmp_path / stage.name
    write_files(target, completed_up_to(stage, done))
    result = grading.grade(stage, target, only=frozenset(done))
    assert result.error is None, result.error
    failing = {
        r.id: f"{r.status}: {r.message}"
        for r in result.requirements
        if r.id in done and r.status != "pass"
    }
    assert failing == {}
