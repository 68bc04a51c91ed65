"""`workbook reset`: put a stage's skeleton back. The learner's files are
copied to .workbook/backups/ first, whole, so nothing is ever lost."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from workbook import paths
from workbook.skeletons import build
from workbook.stages import Stage


def backup(stage: Stage) -> Path:
    """Copy the stage's app/ aside; returns where it went."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    destination = paths.STATE / "backups" / f"{stage.name}-{stamp}"
    source = stage.folder / "app"
    if source.exists():
        shutil.copytree(source, destination / "app", ignore=shutil.ignore_patterns("__pycache__"))
    else:
        destination.mkdir(parents=True)
    return destination


def reset(stage: Stage) -> Path:
    """Back up the learner's app/, then write the skeleton in its place."""
    kept = backup(stage)
    generated = build(stage)  # before anything is removed: a marker error loses nothing
    shutil.rmtree(stage.folder / "app", ignore_errors=True)
    for file in generated:
        destination = stage.folder / file.relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(file.content)
    return kept
