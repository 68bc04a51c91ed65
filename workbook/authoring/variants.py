"""Correct solutions in another style than the reference, which every check must pass.

`tests/variants/NN_slug/<name>/` holds `variant.toml` (a `description` of the
style: routes on `APIRouter`s, other helper names, …) and `variant.patch`, a
unified diff against the stage's solution, made and applied like a mutant's
(`workbook.authoring.patches`). A check that marks a variant wrong demands more
than its criterion says: precision matters as much as recall.

To write one: copy the solution, restyle it, and store
`patches.make(files_of(solution), files_of(copy))` (or `write(variant, copy)`).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from workbook import paths
from workbook.authoring.patches import files_of, make, patched_copy
from workbook.stages import Stage

PATCH = "variant.patch"
META = "variant.toml"
VARIANTS = paths.REPO / "tests" / "variants"


@dataclass(frozen=True)
class Variant:
    stage: Stage
    name: str
    folder: Path
    description: str
    database: str = "sqlite"

    def __str__(self) -> str:
        return f"{self.stage.name}/{self.name}"

    @property
    def patch(self) -> str:
        return (self.folder / PATCH).read_text(encoding="utf-8")


def of_stage(stage: Stage) -> list[Variant]:
    root = VARIANTS / stage.name
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        meta = tomllib.loads((folder / META).read_text(encoding="utf-8"))
        found.append(
            Variant(
                stage=stage,
                name=folder.name,
                folder=folder,
                description=meta["description"],
                database=meta.get("database", "sqlite"),
            )
        )
    return found


def apply(variant: Variant, destination: Path) -> Path:
    """A copy of the stage's solution at `destination`, restyled as the variant."""
    return patched_copy(variant.stage.solution, variant.patch, destination)


def write(stage: Stage, name: str, description: str, restyled: Path) -> Path:
    """Record the folder `restyled` (holding app/) as variant `name` of `stage`."""
    folder = VARIANTS / stage.name / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / META).write_text(f"description = {json.dumps(description)}\n", "utf-8")
    # One line of context: the restyling touches decorators and imports, and
    # a docstring edited in the solution next to them must not break the patch.
    patch = make(files_of(stage.solution), files_of(restyled), context=1)
    (folder / PATCH).write_text(patch, "utf-8")
    return folder
