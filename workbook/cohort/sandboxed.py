"""The grader's side inside a sandbox: grade the one submission mounted there
and write the result, as one JSON document, to stdout, the parent's pipe.

Nothing else may be written to stdout: Python's own stdout is pointed at
stderr, and every process forked from here (pytest children, the live-server
spawner) has its descriptors 1 and 2 replaced before any learner code runs.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any


def _grade(stage_name: str, cap: float, target: Path) -> dict[str, Any]:
    from workbook.engine import grading
    from workbook.stages import find

    stage = find(stage_name)
    result = grading.grade_stage(stage, target, workers=1, stage_timeout=cap)
    payload = result.to_json()
    payload["notes"] = list(result.notes)
    return payload


def main() -> None:
    stage_name, cap, target = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
    sys.stdout = sys.stderr
    try:
        payload: dict[str, Any] = {"ok": True, "result": _grade(stage_name, cap, target)}
    except Exception:  # reported as this submission's row, not raised
        payload = {"ok": False, "error": traceback.format_exc(limit=4)}
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    view = memoryview(data)
    while view:
        view = view[os.write(1, view) :]
    sys.stderr.flush()
    os._exit(0)
