"""What a grading run found, per check and per requirement, and its JSON form."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from workbook.stages import Requirement, Stage

if TYPE_CHECKING:
    from workbook.engine import events

Status = Literal["pass", "fail", "todo", "error"]
# The order in which one check's problem outranks another's when a requirement
# has several checks: a crash says more than a wrong answer, which says more
# than an unfinished TODO.
_RANK = {"error": 3, "fail": 2, "todo": 1, "skip": 0, "pass": 0}


@dataclass
class CheckOutcome:
    nodeid: str
    req: str | None
    doc: str = ""
    outcome: str = "pass"  # pass | fail | todo | error | skip
    message: str = ""
    expected: str | None = None
    sent: dict[str, Any] | None = None
    got: dict[str, Any] | None = None
    kind: str | None = None  # for errors: load | crash | timeout | exit | grader
    # How long the check took, on the clock and in its process's CPU time
    # (for `check --durations`); unknown for a check that never finished.
    seconds: float | None = None
    cpu_seconds: float | None = None

    @classmethod
    def from_event(
        cls, event: events.Result, doc: str = "", start: events.Start | None = None
    ) -> CheckOutcome:
        outcome = event.outcome
        message = event.message
        if outcome not in _RANK:
            # Fail closed: an outcome the grader does not know is never a pass.
            outcome, message = "error", f"the grader could not classify this check ({outcome!r})"
        return cls(
            nodeid=event.nodeid,
            req=event.req,
            doc=doc,
            outcome=outcome,
            message=message,
            expected=event.expected,
            sent=event.sent,
            got=event.got,
            kind=event.kind,
            seconds=_difference(event.t, start.t if start else None),
            cpu_seconds=_difference(event.cpu, start.cpu if start else None),
        )


def _difference(end: float | None, start: float | None) -> float | None:
    if end is not None and start is not None:
        return max(0.0, float(end) - float(start))
    return None


@dataclass
class RequirementResult:
    requirement: Requirement
    status: Status
    checks: list[CheckOutcome] = field(default_factory=list)
    # Checks whose problem is an earlier requirement's (the same crash, the
    # same message, or a check that says it needs that requirement), by the
    # id of that requirement: the report tells the problem once, there.
    knock_on: dict[str, str] = field(default_factory=dict)
    # The later requirements this one's problem also breaks.
    also_breaks: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.requirement.id

    @property
    def first_problem(self) -> CheckOutcome | None:
        """The problem to tell: this requirement's own, before one it only
        inherits from an earlier requirement."""
        problems = [c for c in self.checks if c.outcome not in ("pass", "skip")]
        own = [c for c in problems if c.nodeid not in self.knock_on]
        shown = own or problems
        return max(shown, key=lambda c: _RANK[c.outcome]) if shown else None

    @property
    def blocked_by(self) -> str | None:
        """The earlier requirement whose problem is all that is wrong here."""
        if self.status not in ("fail", "error"):
            return None
        problem = self.first_problem
        return self.knock_on.get(problem.nodeid) if problem is not None else None

    @property
    def message(self) -> str:
        problem = self.first_problem
        if problem is None:
            return "" if self.checks else "no check grades this requirement (a workbook bug)"
        if self.blocked_by:
            return blocked_message(self.blocked_by)
        return describe(problem)


@dataclass
class StageResult:
    stage: Stage
    target: Path
    requirements: list[RequirementResult]
    error: str | None = None  # set when the app could not be loaded at all
    seed: str | None = None
    output: str = ""  # the tail of pytest's own output, for -v
    notes: list[str] = field(default_factory=list)  # e.g. a database not checked

    @property
    def passed(self) -> int:
        return sum(r.status == "pass" for r in self.requirements)

    @property
    def total(self) -> int:
        return len(self.requirements)

    @property
    def status(self) -> Literal["pass", "fail", "error"]:
        if self.error is not None:
            return "error"
        return "pass" if self.passed == self.total and self.total else "fail"

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage.name,
            "number": self.stage.number,
            "status": self.status,
            "passed": self.passed,
            "total": self.total,
            "error": self.error,
            "requirements": [
                {
                    "id": r.id,
                    "summary": r.requirement.summary,
                    "status": r.status,
                    "message": r.message,
                    "blocked_by": r.blocked_by,
                }
                for r in self.requirements
            ],
        }

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


def blocked_message(cause: str) -> str:
    return (
        f"blocked by {cause}: the same problem, told under {cause} above. "
        f"Fix {cause} first, then check again"
    )


def requirement_status(checks: list[CheckOutcome]) -> Status:
    if not checks:
        return "error"
    outcomes = {c.outcome for c in checks}
    for status in ("error", "fail", "todo"):
        if status in outcomes:
            return status  # type: ignore[return-value]
    return "pass"


LONG_BODY = 300  # characters of a body shown as it is; a longer JSON body is outlined


def _outline(value: Any, depth: int = 0) -> str:
    """A JSON value with its nesting cut at the third level and long lists
    and strings shortened: the shape and the top-level facts of a large body
    (an /openapi.json) in a line or two instead of a screenful."""
    if isinstance(value, dict):
        if depth >= 2:
            return "{…}" if value else "{}"
        items = [f"{json.dumps(k)}: {_outline(v, depth + 1)}" for k, v in list(value.items())[:8]]
        more = [f"… {len(value) - 8} more"] if len(value) > 8 else []
        return "{" + ", ".join(items + more) + "}"
    if isinstance(value, list):
        if depth >= 2:
            return "[…]" if value else "[]"
        items = [_outline(v, depth + 1) for v in value[:3]]
        more = [f"… {len(value) - 3} more"] if len(value) > 3 else []
        return "[" + ", ".join(items + more) + "]"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + '…"'


def excerpt(body: str) -> str:
    """The body as it came, or, if it is long JSON, its outline."""
    if len(body) <= LONG_BODY:
        return body
    try:
        return _outline(json.loads(body))
    except ValueError:
        return body  # cut to length already where it was recorded


def sent_line(sent: dict[str, Any]) -> str:
    """ "POST /products", or a check's own words for what it sent."""
    return " ".join(part for part in (sent.get("method"), sent.get("url")) if part)


def describe(check: CheckOutcome) -> str:
    """A plain-text account of one check's problem (the JSON `message`)."""
    lines = [check.message.strip() or check.outcome]
    if check.sent:
        sent = sent_line(check.sent)
        if check.sent.get("body"):
            sent += f"  {check.sent['body']}"
        lines.append(f"sent: {sent}")
    if check.expected:
        lines.append(f"expected: {check.expected}")
    if check.got:
        body = check.got.get("body") or ""
        status = check.got.get("status")
        body = excerpt(body) if status is not None else body
        lines.append(f"got: {status}  {body}".rstrip() if status is not None else f"got: {body}")
    return "\n".join(lines)


def merge(first: StageResult, second: StageResult, label: str) -> StageResult:
    """One result from two runs of the same stage (on SQLite, then PostgreSQL):
    a requirement passes only if it passes on both; problems of the second run
    say where they happened."""
    requirements = []
    for mine, theirs in zip(first.requirements, second.requirements, strict=True):
        relabelled = [
            CheckOutcome(
                **{
                    **vars(check),
                    "nodeid": f"{check.nodeid}[{label}]",
                    "message": f"on {label}: {check.message}" if check.message else "",
                }
            )
            for check in theirs.checks
        ]
        checks = mine.checks + relabelled
        requirements.append(RequirementResult(mine.requirement, requirement_status(checks), checks))
    error = first.error or (f"on {label}: {second.error}" if second.error else None)
    output = f"{first.output}\n--- {label} ---\n{second.output}"
    return StageResult(
        first.stage,
        first.target,
        requirements,
        error,
        first.seed,
        output,
        [*first.notes, *second.notes],
    )
