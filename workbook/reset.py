"""`workbook reset`: put a stage's skeleton back. The learner's files are
copied to .workbook/backups/ first, whole, so nothing is ever lost."""

from __future__ import annotations

import shutil
from pathlib import Path

from workbook.skeleton_files import backup_folder, put
from workbook.skeletons import build
from workbook.stages import Stage


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
    kept = backup(stage)
    generated = {
        file.relative: file.content for file in build(stage)
    }  # a marker error loses nothing
    shutil.rmtree(stage.folder / "app", ignore_errors=True)
    put(stage, generated)
    return kept
