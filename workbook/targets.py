"""Which folder to grade for a stage: the learner's, the reference solution, or
any folder holding the stage's `app/` package (a submission, a copy of the
workbook)."""

from __future__ import annotations

from pathlib import Path

from workbook.stages import Stage


class TargetError(Exception):
    """The folder to grade does not exist or holds no app/ package."""


def resolve_target(stage: Stage, spec: str | None) -> Path:
    """`stages` (the default), `solutions`, or any folder holding an `app/`
    package, or a copy of the whole workbook."""
    if spec in (None, "", "stages"):
        return stage.folder
    if spec == "solutions":
        return stage.solution
    folder = Path(spec).expanduser().resolve()
    if not folder.is_dir():
        raise TargetError(f"no folder {spec!r} to grade")
    for candidate in (folder, folder / stage.name, folder / "stages" / stage.name):
        if (candidate / "app").is_dir():
            return candidate
    return folder  # graded anyway: the report says that app/main.py is missing
