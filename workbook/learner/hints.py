"""`workbook hint`: one rung further up a requirement's hint ladder each time.

The ladder is the requirement's hints from stage.toml, then a last rung that
shows the reference solution of that requirement (the skeleton→solution diff
of its TODO regions). That last rung unlocks only once the learner
has tried: a check of the requirement has failed at least once.
"""

from __future__ import annotations

import textwrap

from workbook import paths
from workbook.authoring.consistency import solution_of
from workbook.learner import state
from workbook.stages import Requirement, Stage, all_stages


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


def _finished(stage: Stage) -> str | None:
    """What to say when the stage's last check passed everything, else None."""
    last = state.last_result(stage.name) or {}
    statuses = {r["id"]: r["status"] for r in last.get("requirements", [])}
    if last.get("status") != "pass" or any(
        statuses.get(r.id) != "pass" for r in stage.requirements
    ):
        return None
    text = (
        f"Stage {stage.number} is done: all {len(stage.requirements)} requirements passed "
        "your last `make check`, so there is no hint left to give here."
    )
    later = [other for other in all_stages() if other.number > stage.number]
    if later:
        following = later[0]
        text += (
            f"\nNext: stage {following.number}, {following.title}. Read "
            f"{paths.shown(following.folder / 'README.md')}, then "
            f"`make check STAGE={following.number}`."
        )
    else:
        text += "\nThat is the last stage in this copy of the workbook."
    first = stage.requirements[0].id
    return (
        text + f"\n(A hint for one requirement all the same: "
        f"`make hint STAGE={stage.number} ARGS={first}`.)"
    )


def show(stage: Stage, req_id: str | None) -> int:
    if not req_id and (done := _finished(stage)):
        print(done)
        return 0
    requirement = stage.requirement(req_id) if req_id else _first_unfinished(stage)
    # The stage's hints, then the solution (read only when that rung is shown).
    rungs = len(requirement.hints) + 1
    rung = min(state.hint_rung(stage.name, requirement.id), rungs - 1)
    locked = rung == rungs - 1 and not state.has_attempted(stage.name, requirement.id)
    if locked:
        rung -= 1
    text = requirement.hints[rung] if rung < rungs - 1 else solution_rung(stage, requirement)
    print(f"Hint {rung + 1} of {rungs} for {requirement.id}: {requirement.summary}")
    print()
    print(textwrap.indent(text, "  "))
    print()
    if locked:
        print("The last hint shows the reference solution. It unlocks once you have tried:")
        print(f"write your attempt, run `make check STAGE={stage.number}`, and ask again.")
    elif rung + 1 < rungs:
        state.set_hint_rung(stage.name, requirement.id, rung + 1)
        print(f"Still stuck? `make hint STAGE={stage.number}` again gives the next hint.")
    return 0
