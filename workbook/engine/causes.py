"""Diagnoses across requirements: one root cause is told once, and "to do" is
only said where a TODO was met.

- **Root causes first.** When the same problem (the same crash at the same
  line, the same message) turns several requirements red, or a check says in
  its message that it needs an earlier requirement ("… failed (requirement
  1.5)"), the problem belongs to the first requirement in the README's order
  that it breaks. The later ones are marked as blocked by it, and keep their
  own message only for a problem of their own.
- **○ only where a TODO was met.** A check may call `todo()` when it finds the
  skeleton's starting state. If the learner's `app/` has no `TODO N.k` left for
  that requirement and no TODO stub was met, the code is not the skeleton: the
  requirement is wrong, not to do.
"""

from __future__ import annotations

import re
from pathlib import Path

from workbook.authoring.patches import LEARNER_PARTS
from workbook.engine.results import CheckOutcome, RequirementResult, StageResult, requirement_status

_REFERENCE = re.compile(r"requirement (\d+\.\d+)")
_LABEL = re.compile(r"^on [A-Za-z]+: ")
# Problems that are about the run, not the code: never grouped.
_NOT_A_CAUSE = ("not run:",)


def _problems(requirement: RequirementResult) -> list[CheckOutcome]:
    return [check for check in requirement.checks if check.outcome in ("fail", "error")]


def cause_key(check: CheckOutcome) -> str | None:
    """What makes two checks' problems one problem: the same words and the
    same expectation (a crash's words hold its exception and line)."""
    message = _LABEL.sub("", check.message.strip())
    if not message or message.startswith(_NOT_A_CAUSE):
        return None
    return f"{check.outcome}|{check.kind or ''}|{message}|{check.expected or ''}"


def _referenced(check: CheckOutcome, earlier: dict[str, RequirementResult]) -> str | None:
    """An earlier requirement, not passed, that the check's message names."""
    for named in _REFERENCE.findall(check.message):
        required = earlier.get(named)
        if required is not None and required.status != "pass":
            return named
    return None


def group(requirements: list[RequirementResult]) -> None:
    """Mark knock-on problems in place, in the order of `requirements`."""
    owner: dict[str, str] = {}  # cause key -> the first requirement it broke
    earlier: dict[str, RequirementResult] = {}
    by_id = {requirement.id: requirement for requirement in requirements}
    for requirement in requirements:
        for check in _problems(requirement):
            cause = _referenced(check, earlier)
            key = cause_key(check)
            if cause is None and key is not None:
                cause = owner.setdefault(key, requirement.id)
            if cause is not None and cause != requirement.id:
                root = by_id[cause].blocked_by or cause
                requirement.knock_on[check.nodeid] = root
        if requirement.blocked_by:
            root = by_id[requirement.blocked_by]
            if requirement.id not in root.also_breaks:
                root.also_breaks.append(requirement.id)
        earlier[requirement.id] = requirement


def learner_files(target: Path) -> list[Path]:
    """The files a learner writes: app/, and Alembic's alembic.ini and migrations/."""
    found: list[Path] = []
    for part in LEARNER_PARTS:
        top = target / part
        found.extend([top] if top.is_file() else (p for p in top.rglob("*") if p.is_file()))
    return found


def _has_todo(target: Path, requirement: str) -> bool:
    marker = re.compile(rf"TODO {re.escape(requirement)}(?!\d)")
    for path in sorted(learner_files(target)):
        if path.suffix in (".py", ".toml", ".txt", ".cfg", ".ini", ""):
            try:
                if marker.search(path.read_text(encoding="utf-8", errors="replace")):
                    return True
            except OSError:
                continue
    return False


def todo_only_where_met(requirements: list[RequirementResult], target: Path) -> None:
    """Turn a ○ into a ✗ where neither a TODO stub nor a `TODO N.k` left in
    the learner's files says that the work is still to do."""
    for requirement in requirements:
        if requirement.status != "todo":
            continue
        todos = [check for check in requirement.checks if check.outcome == "todo"]
        if any("TODO" in check.message for check in todos):
            continue  # a stub that raises NotImplementedError("TODO …") was met
        # Its own TODO, or that of an earlier requirement a check names as the
        # one it waits for ("… still plain `def` (requirement 6.3)").
        named = {requirement.id, *(r for c in todos for r in _REFERENCE.findall(c.message))}
        if any(_has_todo(target, each) for each in sorted(named)):
            continue
        for check in todos:
            check.outcome = "fail"
            check.message = (
                f"{check.message.strip()}. This is how the skeleton starts, but your app/ has "
                f"no `TODO {requirement.id}` left, so it counts as wrong rather than to do"
            )
        requirement.status = requirement_status(requirement.checks)


def diagnose(result: StageResult) -> None:
    """Both, on a whole stage's result (after the databases are merged)."""
    if result.error is not None:
        return  # the load error is the one cause, told once above the list
    todo_only_where_met(result.requirements, result.target)
    for requirement in result.requirements:
        requirement.knock_on.clear()
        requirement.also_breaks.clear()
    group(result.requirements)
