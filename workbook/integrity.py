"""Is the grade trustworthy? The checks that produce it must be the committed ones."""

from __future__ import annotations

import subprocess

from workbook import paths
from workbook.stages import Stage


def modified_checks(stage: Stage) -> list[str]:
    """The stage's checks and what they share (checks/support, conftest.py), where
    they differ from the last commit or are new. Empty when they do not, or when
    this is not a git checkout."""
    watched = [paths.shown(stage.checks), "checks/support", "conftest.py"]
    try:
        completed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", *watched],
            cwd=paths.REPO,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if completed.returncode != 0:
        return []
    return [line[3:] for line in completed.stdout.splitlines() if line.strip()]
