"""What the workbook remembers between commands, kept under .workbook/ (never
in a stage folder): the last result of each stage and how far up each hint
ladder the learner has climbed."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbook import paths


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # missing or damaged: start afresh rather than fail a learner


def _write(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)  # atomic: a crash never leaves half a file


def results_file(stage_name: str) -> Path:
    return paths.STATE / "results" / f"{stage_name}.json"


def save_result(stage_name: str, result: dict[str, Any]) -> None:
    _write(results_file(stage_name), {**result, "checked_at": datetime.now(UTC).isoformat()})


def last_result(stage_name: str) -> dict[str, Any] | None:
    return _read(results_file(stage_name))


def _hints_file() -> Path:
    return paths.STATE / "hints.json"


def hint_rung(stage_name: str, req_id: str) -> int:
    ladders = _read(_hints_file()) or {}
    return int(ladders.get(stage_name, {}).get(req_id, 0))


def set_hint_rung(stage_name: str, req_id: str, rung: int) -> None:
    ladders = _read(_hints_file()) or {}
    ladders.setdefault(stage_name, {})[req_id] = rung
    _write(_hints_file(), ladders)


def _attempts_file() -> Path:
    return paths.STATE / "attempts.json"


def record_attempts(stage_name: str, result: dict[str, Any]) -> None:
    """Remember each requirement that a check has found wrong: the learner has
    tried it, which unlocks the last rung of its hint ladder."""
    tried = {r["id"] for r in result.get("requirements", []) if r["status"] in ("fail", "error")}
    if not tried:
        return
    attempts = _read(_attempts_file()) or {}
    attempts[stage_name] = sorted(set(attempts.get(stage_name, [])) | tried)
    _write(_attempts_file(), attempts)


def has_attempted(stage_name: str, req_id: str) -> bool:
    attempts = _read(_attempts_file()) or {}
    return req_id in attempts.get(stage_name, [])
