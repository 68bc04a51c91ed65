"""The skeleton's TODO marks, read from the learner's stage folder.

A check that finds the work missing reports "to do" (○) rather than "wrong"
while the stage still says `TODO N.k` for that requirement: the learner has not
started it yet. Stages 9 and 10 ask this of the folder itself, since their
work is in files the app does not import (migrations, a Dockerfile).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# Where the app's own code lives in a stage folder.
CODE_FOLDERS = ("app", "migrations")


def holds_todo(root: Path, requirement: str, files: Iterable[str] = ()) -> bool:
    """Whether the stage folder `root` still says `TODO <requirement>`: in a
    Python file under app/ or migrations/, or in one of `files` (paths relative
    to `root`, any text). `TODO 1.1` is not `TODO 1.10`."""
    marker = re.compile(rf"TODO {re.escape(requirement)}(?!\d)")
    paths = [root / name for name in files]
    for folder in (root / name for name in CODE_FOLDERS):
        paths += sorted(folder.rglob("*.py")) if folder.is_dir() else []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:  # a file the learner removed, or a folder in its place
            continue
        if marker.search(text):
            return True
    return False
