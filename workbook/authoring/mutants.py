"""Known-wrong variants of a solution, which the checks must catch.

`tests/mutants/NN_slug/<bug_name>/` holds `mutant.toml` (the requirement that
must catch it, a description, and optionally `database = "postgresql"` for a
mistake that shows only there) and `mutant.patch`, a unified diff against the
stage's solution. Being a diff, a mutant shows its mistake in a few lines and
keeps applying while the solution changes elsewhere.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from workbook.authoring.patches import patched_copy
from workbook.stages import Stage

PATCH = "mutant.patch"
META = "mutant.toml"


@dataclass(frozen=True)
class Mutant:
    stage: Stage
    name: str
    folder: Path
    requirement: str
    description: str
    database: str = "sqlite"

    def __str__(self) -> str:
        return f"{self.stage.name}/{self.name}"

    @property
    def patch(self) -> str:
        return (self.folder / PATCH).read_text(encoding="utf-8")


def of_stage(stage: Stage) -> list[Mutant]:
    if not stage.mutants.is_dir():
        return []
    found = []
    for folder in sorted(p for p in stage.mutants.iterdir() if p.is_dir()):
        meta = tomllib.loads((folder / META).read_text(encoding="utf-8"))
        found.append(
            Mutant(
                stage=stage,
                name=folder.name,
                folder=folder,
                requirement=str(meta["requirement"]),
                description=meta["description"],
                database=meta.get("database", "sqlite"),
            )
        )
    return found


def apply(mutant: Mutant, destination: Path) -> Path:
    """A copy of the stage's solution at `destination`, with the mistake in it."""
    return patched_copy(mutant.stage.solution, mutant.patch, destination)
