"""`workbook reset`: put a stage's skeleton back, losing nothing.

Everything under the stage's app/ is copied to .workbook/backups/ first,
`__pycache__` included, with links copied as links (never followed, so a link
to itself or to a big folder cannot fill the disk). An app/ that is a link, or
holds a link leading out of the stage folder, is refused: writing the skeleton
there would change files outside the workbook. The result is compared with
the skeleton before "done" is said.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

from workbook import paths
from workbook.authoring.consistency import skeleton_files
from workbook.authoring.patches import write_files
from workbook.stages import Stage


class ResetError(Exception):
    """Why the stage could not be reset; one line for the learner."""


def backup_folder(stage: Stage) -> Path:
    """A new folder name under .workbook/backups/ for this stage's files."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return paths.STATE / "backups" / f"{stage.name}-{stamp}"


def _refuse_links(stage: Stage) -> None:
    app = stage.folder / "app"
    if app.is_symlink():
        raise ResetError(
            f"stages/{stage.name}/app is a link (to {os.readlink(app)}); reset would write "
            "through it, outside the workbook: replace the link with a folder, or remove it"
        )
    if not app.exists():
        return
    inside = stage.folder.resolve()
    for root, folders, files in os.walk(app):  # does not follow links to folders
        for name in folders + files:
            path = Path(root) / name
            if not path.is_symlink():
                continue
            target = Path(root, os.readlink(path))
            resolved = Path(os.path.abspath(target))
            if not resolved.is_relative_to(inside) or not _stays_inside(path, inside):
                raise ResetError(
                    f"{paths.shown(path)} is a link leading out of the stage folder "
                    f"(to {os.readlink(path)}); move what it points to into app/ or remove it"
                )


def _stays_inside(link: Path, inside: Path) -> bool:
    try:
        return link.resolve(strict=False).is_relative_to(inside)
    except (OSError, RuntimeError):  # a loop of links: it leads nowhere, and nowhere out
        return True


def backup(stage: Stage) -> Path:
    """Copy the stage's app/ aside, whole; returns where it went."""
    destination = backup_folder(stage)
    source = stage.folder / "app"
    if source.exists() or source.is_symlink():
        shutil.copytree(source, destination / "app", symlinks=True)
    else:
        destination.mkdir(parents=True)
    return destination


def _same(original: Path, copy: Path) -> bool:
    """Does the backup hold every file and link of the original?"""
    for root, folders, files in os.walk(original):
        for name in folders + files:
            path = Path(root) / name
            kept = copy / path.relative_to(original)
            if path.is_symlink():
                if not kept.is_symlink() or os.readlink(kept) != os.readlink(path):
                    return False
            elif path.is_file() and (
                not kept.is_file() or kept.stat().st_size != path.stat().st_size
            ):
                return False
    return True


def _read_only(stage: Stage) -> Path | None:
    """The first folder reset would have to change but may not."""
    app = stage.folder / "app"
    if not os.access(stage.folder, os.W_OK):
        return stage.folder
    if not app.exists():
        return None
    for root, _folders, _files in os.walk(app):
        if not os.access(root, os.W_OK | os.X_OK):
            return Path(root)
    return None


def _remove(app: Path, kept: Path) -> None:
    problems: list[str] = []
    shutil.rmtree(app, onerror=lambda _f, path, _info: problems.append(path))
    if problems:
        raise ResetError(
            f"could not remove {paths.shown(Path(problems[0]))}; the old app/ is partly "
            f"removed, and all of it is in {paths.shown(kept)}/app"
        )


def reset(stage: Stage) -> Path:
    """Back up the learner's app/, then write the skeleton in its place.
    Raises ResetError, with the learner's files untouched, when it cannot."""
    _refuse_links(stage)
    try:
        skeleton = skeleton_files(stage)
    except Exception as error:  # a patch that no longer fits: nothing is touched
        raise ResetError(f"the skeleton cannot be rebuilt, so nothing changed: {error}") from None
    app = stage.folder / "app"
    locked = _read_only(stage)
    if locked is not None:
        raise ResetError(
            f"{paths.shown(locked)} is read-only, so nothing changed "
            f"(`chmod -R u+w {paths.shown(locked)}`, then reset again)"
        )
    try:
        kept = backup(stage)
    except (OSError, shutil.Error) as error:
        raise ResetError(
            f"could not back up stages/{stage.name}/app, so nothing changed: {error}"
        ) from None
    if app.exists() and not _same(app, kept / "app"):
        raise ResetError(f"the backup in {paths.shown(kept)} is incomplete, so nothing changed")
    if app.exists():
        _remove(app, kept)
    try:
        write_files(stage.folder, skeleton)
    except OSError as error:
        raise ResetError(
            f"could not write the skeleton: {error}; your files are in {paths.shown(kept)}"
        ) from None
    wrong = [name for name, text in skeleton.items() if _read(stage.folder / name) != text]
    extra = [
        p
        for p in app.rglob("*")
        if p.is_file() and p.relative_to(stage.folder).as_posix() not in skeleton
    ]
    if wrong or extra:
        first = (wrong or [paths.shown(extra[0])])[0]
        raise ResetError(
            f"the skeleton did not come back as it should ({first}); your files are in "
            f"{paths.shown(kept)}"
        )
    return kept


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None
