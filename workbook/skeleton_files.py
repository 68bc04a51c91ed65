"""`workbook skeletons`: write (or only compare) each stage's generated skeleton.

A file that would be overwritten and differs is first copied to
`.workbook/backups/`, so running this in a learner's checkout loses nothing.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from workbook import paths
from workbook.skeletons import SKIPPED, MarkerError, build, differences
from workbook.stages import Stage, all_stages


def backup_folder(stage: Stage) -> Path:
    """A new folder name under .workbook/backups/ for this stage's files."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return paths.STATE / "backups" / f"{stage.name}-{stamp}"


def _committed(path: Path) -> bytes | None:
    """The file as the last commit has it, or None (not in git, or no git)."""
    try:
        completed = subprocess.run(
            ["git", "show", f"HEAD:{path.relative_to(paths.REPO).as_posix()}"],
            cwd=paths.REPO,
            capture_output=True,
            timeout=5,
            check=False,
        )
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    return completed.stdout if completed.returncode == 0 else None


def write(stage: Stage) -> list[str]:
    """Write the stage's skeleton; returns the files kept aside first.

    A file is kept aside when it would be lost: it differs from what is being
    written and from the committed version (a learner's work, or an uncommitted
    edit). Regenerating over an earlier generated skeleton keeps nothing."""
    generated = {f.relative: f.content for f in build(stage)}
    app = stage.folder / "app"
    existing = (
        [
            p
            for p in app.rglob("*")
            if p.is_file() and not SKIPPED & set(p.relative_to(stage.folder).parts)
        ]
        if app.exists()
        else []
    )
    kept_aside = []
    backups = backup_folder(stage)
    for path in existing:
        relative = path.relative_to(stage.folder)
        content = path.read_bytes()
        if generated.get(relative) != content and _committed(path) != content:
            destination = backups / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            kept_aside.append(paths.shown(destination))
        if relative not in generated:
            path.unlink()
    put(stage, generated)
    return kept_aside


def put(stage: Stage, files: dict[Path, bytes]) -> None:
    """Write generated files into the stage folder, leaving equal ones alone."""
    for relative, content in files.items():
        destination = stage.folder / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.exists() or destination.read_bytes() != content:
            destination.write_bytes(content)


def run(stages: list[Stage] | None, *, check_only: bool) -> int:
    problems: list[str] = []
    for stage in stages or all_stages():
        if not (stage.solution / "app").is_dir():
            continue
        try:
            if check_only:
                problems += differences(stage)
            else:
                for path in write(stage):
                    print(f"kept your old version aside: {path}")
                print(f"{stage.name}: skeleton written")
        except MarkerError as error:
            problems.append(f"{stage.name}: {error}")
    for problem in problems:
        print(problem)
    if problems and check_only:
        print("Run `python -m workbook skeletons` to regenerate them.")
    return 1 if problems else 0
