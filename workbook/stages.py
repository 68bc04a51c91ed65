"""Stage discovery and the stage.toml format.

A stage is a folder `stages/NN_slug/` holding `stage.toml`; nothing lists the
stages by hand. `stage.toml` is the one source for the requirements: the README's
acceptance list, the report and `hint` all read it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from workbook import paths

_FOLDER = re.compile(r"^(?P<number>\d{2})_(?P<slug>[a-z0-9_]+)$")


class StageError(Exception):
    """A stage that cannot be found or whose stage.toml is malformed."""


@dataclass(frozen=True)
class Requirement:
    id: str
    summary: str  # one line: the report shows it
    hints: tuple[str, ...]
    criterion: str = ""  # the exact promise; the README's acceptance list shows it


@dataclass(frozen=True)
class Stage:
    number: int
    name: str  # the folder name, e.g. "04_crud"
    title: str
    summary: str
    objectives: tuple[str, ...]
    requirements: tuple[Requirement, ...] = field(default_factory=tuple)
    # The databases the checks run on; "postgresql" runs where a server is
    # configured (WORKBOOK_POSTGRES_URL), and the report says when it was not.
    databases: tuple[str, ...] = ("sqlite",)
    # Whether its checks serve the app with uvicorn (the `live_server` fixture):
    # `live_server = true` in stage.toml, and the grader starts its spawner.
    live_server: bool = False
    # At most this many grading children at once (`workers = N`): a stage whose
    # checks start real processes (stage 10's backends and nginx) shares them
    # within one child instead of starting a set per child. None: one per core.
    workers: int | None = None

    @property
    def folder(self) -> Path:
        return paths.STAGES / self.name

    @property
    def solution(self) -> Path:
        return paths.SOLUTIONS / self.name

    @property
    def checks(self) -> Path:
        return paths.CHECKS / f"stage_{self.number:02d}"

    @property
    def mutants(self) -> Path:
        return paths.MUTANTS / self.name

    def requirement(self, req_id: str) -> Requirement:
        for requirement in self.requirements:
            if requirement.id == req_id:
                return requirement
        known = ", ".join(r.id for r in self.requirements)
        raise StageError(f"stage {self.number} has no requirement {req_id!r} (it has {known})")


def load_stage(folder: Path) -> Stage:
    match = _FOLDER.match(folder.name)
    if match is None:
        raise StageError(f"{folder.name!r} is not a stage folder name (NN_slug)")
    number = int(match["number"])
    try:
        data = tomllib.loads((folder / "stage.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise StageError(f"{paths.shown(folder / 'stage.toml')}: {error}") from error
    try:
        requirements = tuple(
            Requirement(
                id=str(r["id"]),
                summary=r["summary"],
                hints=tuple(r["hints"]),
                criterion=r.get("criterion", ""),
            )
            for r in data["requirements"]
        )
        stage = Stage(
            number=number,
            name=folder.name,
            title=data["title"],
            summary=data.get("summary", ""),
            objectives=tuple(data.get("objectives", ())),
            requirements=requirements,
            databases=tuple(data.get("databases", ("sqlite",))),
            live_server=data.get("live_server", False),
            workers=data.get("workers"),
        )
    except (KeyError, TypeError) as error:
        raise StageError(f"{paths.shown(folder / 'stage.toml')}: missing {error}") from error
    if not isinstance(stage.live_server, bool):
        raise StageError(f"{paths.shown(folder / 'stage.toml')}: live_server must be true or false")
    if stage.workers is not None and (
        not isinstance(stage.workers, int) or isinstance(stage.workers, bool) or stage.workers < 1
    ):
        shown = paths.shown(folder / "stage.toml")
        raise StageError(f"{shown}: workers must be a whole number, at least 1")
    unknown = set(stage.databases) - {"sqlite", "postgresql"}
    if unknown:
        raise StageError(f"{paths.shown(folder / 'stage.toml')}: unknown databases {unknown}")
    for requirement in requirements:
        if not requirement.id.startswith(f"{number}."):
            raise StageError(f"requirement {requirement.id} does not belong to stage {number}")
        if not requirement.hints:
            raise StageError(f"requirement {requirement.id} has no hints")
    return stage


def all_stages() -> list[Stage]:
    """Every stage in the checkout, in order."""
    if not paths.STAGES.is_dir():
        return []
    folders = sorted(
        p for p in paths.STAGES.iterdir() if p.is_dir() and (p / "stage.toml").exists()
    )
    return [load_stage(folder) for folder in folders]


def find(spec: str) -> Stage:
    """A stage from what a learner types: `4`, `04` or `04_crud`."""
    spec = spec.strip()
    for folder in sorted(paths.STAGES.glob("[0-9][0-9]_*")):
        match = _FOLDER.match(folder.name)
        if match is None or not (folder / "stage.toml").exists():
            continue
        if spec == folder.name or (spec.isdigit() and int(spec) == int(match["number"])):
            return load_stage(folder)
    available = ", ".join(str(int(f.name[:2])) for f in sorted(paths.STAGES.glob("[0-9][0-9]_*")))
    raise StageError(f"no stage {spec!r} (available: {available or 'none'})")
