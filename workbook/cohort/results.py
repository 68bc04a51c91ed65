"""A submission's result: what its sandbox sent back, cut to the stage's own
shape, or a result saying why there is none.

What comes back is untrusted: it was written by a process that ran the
learner's code. Only each requirement's status and message, the error and the
notes are taken from it, shortened; the requirements, their summaries and the
score come from the stage.
"""

from __future__ import annotations

import json
from typing import Any

from workbook.cohort.pool import STOPPED, Running
from workbook.stages import Stage

STATUSES = {"pass", "fail", "todo", "error"}


def failed(stage: Stage, message: str) -> dict[str, Any]:
    """A result that gives every requirement `message` as its error."""
    return {
        "stage": stage.name,
        "number": stage.number,
        "status": "error",
        "passed": 0,
        "total": len(stage.requirements),
        "error": message,
        "requirements": [
            {"id": r.id, "summary": r.summary, "status": "error", "message": message}
            for r in stage.requirements
        ],
    }


def _text(value: Any, limit: int = 4000) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def sanitized(stage: Stage, raw: Any) -> dict[str, Any]:
    """What a sandbox sent back, in the stage's own shape: its requirements,
    known statuses, a score counted here. A submission can still claim its own
    checks passed (see docs/instructors.md), but nothing more."""
    if not isinstance(raw, dict) or not isinstance(raw.get("requirements"), list):
        return failed(stage, "the grader inside the sandbox sent back no readable result")
    sent = {r.get("id"): r for r in raw["requirements"] if isinstance(r, dict)}
    requirements = []
    for requirement in stage.requirements:
        item = sent.get(requirement.id, {})
        status = item.get("status") if item.get("status") in STATUSES else "error"
        requirements.append(
            {
                "id": requirement.id,
                "summary": requirement.summary,
                "status": status,
                "message": _text(item.get("message")) or "",
            }
        )
    statuses = [r["status"] for r in requirements]
    error = _text(raw.get("error"))
    overall = "pass" if all(s == "pass" for s in statuses) else "fail"
    if error is not None or (statuses and all(s == "error" for s in statuses)):
        overall = "error" if error is not None or raw.get("status") == "error" else overall
    notes = [n for n in (_text(n, 300) for n in raw.get("notes") or []) if n]
    return {
        "stage": stage.name,
        "number": stage.number,
        "status": overall,
        "passed": statuses.count("pass"),
        "total": len(requirements),
        "error": error,
        "requirements": requirements,
        "notes": notes,
    }


def result_of(stage: Stage, running: Running) -> dict[str, Any]:
    """What a finished submission's grading came to: the result its sandbox sent
    back, or why there is none (stopped, crashed, silent)."""
    if running.stopped is not None:
        if running.stopped == STOPPED:
            return failed(stage, STOPPED)
        return failed(stage, f"stopped by the grader: {running.stopped}")
    try:
        payload = json.loads(bytes(running.out).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        payload = None
    if not isinstance(payload, dict):
        code = running.process.returncode
        tail = bytes(running.err).decode("utf-8", "replace").strip().splitlines()[-6:]
        return failed(
            stage,
            f"the submission's grading process ended (exit code {code}) without a result"
            + (":\n" + "\n".join(tail) if tail else ""),
        )
    if not payload.get("ok"):
        return failed(
            stage, "the grader failed on this submission:\n" + (_text(payload.get("error")) or "")
        )
    return sanitized(stage, payload.get("result"))
