"""Where things live in a checkout of the workbook."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STAGES = REPO / "stages"
SOLUTIONS = REPO / "solutions"
CHECKS = REPO / "checks"
MUTANTS = REPO / "tests" / "mutants"
# Everything the workbook keeps for itself (cached results, hint ladders,
# backups, bytecode) goes here, never into a learner's stage folder.
# (WORKBOOK_STATE_DIR moves it, for the workbook's own tests.)
STATE = Path(os.environ.get("WORKBOOK_STATE_DIR") or REPO / ".workbook")
PYCACHE = STATE / "pycache"  # compiled code of checks and graded apps
GRADER_INI = Path(__file__).resolve().parent / "grader.ini"


def shown(path: Path) -> str:
    """A path as a learner would type it: relative to the repo when inside it."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)
