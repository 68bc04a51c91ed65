"""`workbook reset`: put a stage's skeleton back. The learner's files are
copied to .workbook/backups/ first, whole, so nothing is ever lost."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from workbook import paths
from workbook.authoring.consistency import skeleton_files
from workbook.authoring.patches import write_files
from workbook.stages import Stage


def backup_folder(stage: Stage) -> Path:
    """A new folder name under .workbook/backups/ for this stage's files."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return paths.STATE / "backups" / f"{stage.name}-{stamp}"


def backup(stage: Stage) -> Path:
    """Copy the stage's app/ aside; returns where it went."""
    destination = backup_folder(stage)
    source = stage.folder / "app"
    if source.exists():
        shutil.copytree(source, destination / "app", ignore=shutil.ignore_patterns("__pycache__"))
    else:
        destination.mkdir(parents=True)
    return destination


def reset(stage: Stage) -> Path:
    """Back up the learner's app/, then write the skeleton in its place."""
    skeleton = skeleton_files(stage)  # a patch that no longer fits loses nothing
    kept = backup(stage)
    shutil.rmtree(stage.folder / "app", ignore_errors=True)
    write_files(stage.folder, skeleton)
    return kept
