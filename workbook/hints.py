"""`workbook hint`: one rung further up a requirement's hint ladder each time.

The ladder is the requirement's hints from stage.toml, then a last rung that
shows the reference solution of that requirement (the skeleton→solution diff
of its TODO regions). That last rung unlocks only once the learner
has tried: a check of the requirement has failed at least once.
"""

from __future__ import annotations

import textwrap

from workbook import paths, state
from workbook.authoring.consistency import solution_of
from workbook.stages import Requirement, Stage


def _first_unfinished(stage: Stage) -> Requirement:
    last = state.last_result(stage.name) or {}
    statuses = {r["id"]: r["status"] for r in last.get("requirements", [])}
    for requirement in stage.requirements:
        if statuses.get(requirement.id) != "pass":
            return requirement
    return stage.requirements[-1]


def solution_rung(stage: Stage, requirement: Requirement) -> str:
    """The last rung: the reference solution of this requirement, as the
    changes that turn the skeleton's TODO regions into the solution."""
    diff = solution_of(stage, requirement.id)
    where = paths.shown(stage.solution / "app")
    if not diff:
        return f"The reference solution is in {where}. Read it, close it, then write your own."
    return (
        f"The reference solution of {requirement.id}, from {where}. "
        f"Read it, close it, then write your own.\n\n{diff}"
    )


def show(stage: Stage, req_id: str | None) -> int:
    requirement = stage.requirement(req_id) if req_id else _first_unfinished(stage)
    ladder = [*requirement.hints, solution_rung(stage, requirement)]
    rung = min(state.hint_rung(stage.name, requirement.id), len(ladder) - 1)
    locked = rung == len(ladder) - 1 and not state.has_attempted(stage.name, requirement.id)
    if locked:
        rung -= 1
    print(f"Hint {rung + 1} of {len(ladder)} for {requirement.id}: {requirement.summary}")
    print()
    print(textwrap.indent(ladder[rung], "  "))
    print()
    if locked:
        print("The last hint shows the reference solution. It unlocks once you have tried:")
        print(f"write your attempt, run `make check STAGE={stage.number}`, and ask again.")
    elif rung + 1 < len(ladder):
        state.set_hint_rung(stage.name, requirement.id, rung + 1)
        print(f"Still stuck? `make hint STAGE={stage.number}` again gives the next hint.")
    return 0
