"""What the children of one grading run have reported, and the stage result
it adds up to.

The parent takes in each child's events as the child ends (workbook/engine/events.py).
A child that died part-way leaves the check it was running, and the rest of
that check's requirement, marked with the reason (workbook/engine/deaths.py);
whatever no child reported by the end is marked too, so that every check
collected has an outcome before the result is assembled.
"""

from __future__ import annotations

import time
from pathlib import Path

from workbook.engine import causes, events, stacks
from workbook.engine.children import Shard, file_text
from workbook.engine.deaths import death_message, grader_failure, interrupted
from workbook.engine.results import CheckOutcome, RequirementResult, StageResult, requirement_status
from workbook.stages import Stage


class Tally:
    """Everything the children of one grading run have reported so far."""

    def __init__(self, check_timeout: float, target: Path = Path(".")) -> None:
        self.check_timeout = check_timeout
        self.target = target
        self.collected: dict[str, events.CollectedCheck] = {}
        self.outcomes: dict[str, CheckOutcome] = {}
        self.load_error: str | None = None
        self.outputs: dict[int, str] = {}

    def absorb(self, child: list[events.Event]) -> None:
        starts: dict[str, events.Start] = {}
        for event in child:
            if isinstance(event, events.Collected):
                self.collected.update({c.nodeid: c for c in event.checks})
            elif isinstance(event, events.Start):
                starts[event.nodeid] = event
            elif isinstance(event, events.Result):
                check = self.collected.get(event.nodeid)
                doc = check.doc if check else ""
                start = starts.get(event.nodeid)
                self.outcomes[event.nodeid] = CheckOutcome.from_event(event, doc, start)
                if event.kind == "load" and self.load_error is None:
                    self.load_error = event.message

    def mark(self, nodeid: str, message: str, kind: str) -> None:
        check = self.collected.get(nodeid)
        self.outcomes.setdefault(
            nodeid,
            CheckOutcome(
                nodeid,
                check.req if check else None,
                check.doc if check else "",
                "error",
                message,
                kind=kind,
            ),
        )

    def died(self, shard: Shard, child: list[events.Event]) -> bool:
        """Account for a child that ended early; True if it should run again."""
        running, loading = interrupted(child)
        if running is None:
            # pytest itself could not run: say so rather than grade nothing.
            self.load_error = self.load_error or grader_failure(
                shard.returncode, self.outputs[shard.index]
            )
            return False
        stuck = (
            stacks.find(stacks.last_sample(file_text(shard.stacks)), self.target)
            if shard.stopped_stuck
            else None
        )
        kind, message = death_message(
            shard.returncode,
            time.time() - running.t,
            self.check_timeout,
            loading,
            stuck,
            self.target,
        )
        if loading:
            self.load_error = self.load_error or message[0].upper() + message[1:] + "."
            return False
        culprit = running.nodeid
        self.mark(culprit, message, kind)
        # Its requirement's other checks would likely hang or exit the same way.
        req = culprit_check.req if (culprit_check := self.collected.get(culprit)) else None
        for nodeid, check in self.collected.items():
            if check.req == req:
                self.mark(
                    nodeid,
                    f"not run: an earlier check of {req} "
                    + ("timed out" if kind == "timeout" else "ended the process"),
                    kind,
                )
        return True


def assemble(
    stage: Stage,
    target: Path,
    collected: dict[str, events.CollectedCheck],
    outcomes: dict[str, CheckOutcome],
    load_error: str | None,
    seed: str | None,
    output: str,
) -> StageResult:
    """The stage's result: one status per requirement from its checks' outcomes."""
    # In the order the checks are written, so the report shows the first
    # problem a learner would meet reading the checks top to bottom.
    order = {nodeid: index for index, nodeid in enumerate(collected)}
    in_order = sorted(outcomes.values(), key=lambda o: order.get(o.nodeid, len(order)))
    results = []
    for requirement in stage.requirements:
        checks = [o for o in in_order if o.req == requirement.id]
        status = "error" if load_error is not None else requirement_status(checks)
        results.append(RequirementResult(requirement, status, checks))
    known = {r.id for r in stage.requirements}
    strays = sorted({c.req or "none" for c in collected.values()} - known)
    error = load_error
    if strays and error is None:
        error = f"checks name requirements that stage.toml does not have: {', '.join(strays)}"
    result = StageResult(stage, target, results, error=error, seed=seed, output=output)
    causes.diagnose(result)
    return result
