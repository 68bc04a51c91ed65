"""What every command shares with the dispatcher in `workbook/cli.py`: the exit
codes, `UsageError`, and the stage and target arguments turned into what they
name (or into a `UsageError` the dispatcher prints as one line)."""

from __future__ import annotations

from pathlib import Path

from workbook.stages import Stage, StageError, find
from workbook.targets import TargetError, resolve_target

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how the command was called; one line for the user."""


def stage(spec: str | None) -> Stage:
    """The stage the user named: `4`, `04` or `04_crud`."""
    if not spec:
        raise UsageError("which stage? e.g. `make check STAGE=1`")
    try:
        return find(spec)
    except StageError as error:
        raise UsageError(str(error)) from None


def target(stage: Stage, spec: str | None) -> Path:
    """The folder `--target` names for `stage` (workbook/targets.py)."""
    try:
        return resolve_target(stage, spec)
    except TargetError as error:
        raise UsageError(str(error)) from None


def stage_to_check(spec: str | None) -> Stage:
    """The named stage, or else the first one not yet complete."""
    if spec:
        return stage(spec)
    from workbook.learner import progress
    from workbook.stages import all_stages

    stages = all_stages()
    if not stages:
        raise UsageError("there are no stages in this checkout")
    upcoming = progress.next_stage(stages)
    return upcoming or stages[-1]
