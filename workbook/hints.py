"""`workbook hint`: one rung further up a requirement's hint ladder each time."""

from __future__ import annotations

from workbook import state
from workbook.stages import Requirement, Stage


def _first_unfinished(stage: Stage) -> Requirement:
    last = state.last_result(stage.name) or {}
    statuses = {r["id"]: r["status"] for r in last.get("requirements", [])}
    for requirement in stage.requirements:
        if statuses.get(requirement.id) != "pass":
            return requirement
    return stage.requirements[-1]


def show(stage: Stage, req_id: str | None) -> int:
    requirement = stage.requirement(req_id) if req_id else _first_unfinished(stage)
    rung = min(state.hint_rung(stage.name, requirement.id), len(requirement.hints) - 1)
    print(
        f"Hint {rung + 1} of {len(requirement.hints)} for {requirement.id}: {requirement.summary}"
    )
    print()
    print(f"  {requirement.hints[rung]}")
    print()
    if rung + 1 < len(requirement.hints):
        state.set_hint_rung(stage.name, requirement.id, rung + 1)
        print(f"Still stuck? `make hint STAGE={stage.number}` again gives the next hint.")
    else:
        print(
            f"That was the last hint. The reference solution is in solutions/{stage.name}/ "
            "— compare it with yours once you have tried."
        )
    return 0
