"""`workbook reset`: put a stage's skeleton back, losing nothing.

Everything the learner writes in the stage folder (app/, and from stage 9 on
alembic.ini and migrations/: `LEARNER_PARTS`) is copied to .workbook/backups/
first, `__pycache__` included, with links copied as links (never followed, so a
link to itself or to a big folder cannot fill the disk). A part that is a link,
or holds a link leading out of the stage folder, is refused: writing the
skeleton there would change files outside the workbook. The result is compared
with the skeleton before "done" is said.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

from workbook import paths
from workbook.authoring.consistency import skeleton_files
from workbook.authoring.patches import LEARNER_PARTS, write_files
from workbook.stages import Stage


class ResetError(Exception):
    """Why the stage could not be reset; one line for the learner."""


def backup_folder(stage: Stage) -> Path:
    """A new folder name under .workbook/backups/ for this stage's files."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return paths.STATE / "backups" / f"{stage.name}-{stamp}"


def _parts(stage: Stage) -> list[Path]:
    """The learner's parts of the stage folder that are there (or are links)."""
    return [
        stage.folder / part
        for part in LEARNER_PARTS
        if (stage.folder / part).exists() or (stage.folder / part).is_symlink()
    ]


def _refuse_links(stage: Stage) -> None:
    for part in _parts(stage):
        if part.is_symlink():
            raise ResetError(
                f"stages/{stage.name}/{part.name} is a link (to {os.readlink(part)}); reset "
                "would write through it, outside the workbook: replace the link with a "
                "real folder or file, or remove it"
            )
        if part.is_dir():
            _refuse_links_in(part, stage.folder.resolve())


def _refuse_links_in(folder: Path, inside: Path) -> None:
    for root, folders, files in os.walk(folder):  # does not follow links to folders
        for name in folders + files:
            path = Path(root) / name
            if not path.is_symlink():
                continue
            target = Path(root, os.readlink(path))
            resolved = Path(os.path.abspath(target))
            if not resolved.is_relative_to(inside) or not _stays_inside(path, inside):
                raise ResetError(
                    f"{paths.shown(path)} is a link leading out of the stage folder "
                    f"(to {os.readlink(path)}); move what it points to into {folder.name}/ "
                    "or remove it"
                )


def _stays_inside(link: Path, inside: Path) -> bool:
    try:
        return link.resolve(strict=False).is_relative_to(inside)
    except (OSError, RuntimeError):  # a loop of links: it leads nowhere, and nowhere out
        return True


def backup(stage: Stage) -> Path:
    """Copy the learner's parts of the stage aside, whole; returns where they went."""
    destination = backup_folder(stage)
    destination.mkdir(parents=True)
    for part in _parts(stage):
        if part.is_dir() and not part.is_symlink():
            shutil.copytree(part, destination / part.name, symlinks=True)
        else:
            shutil.copy2(part, destination / part.name, follow_symlinks=False)
    return destination


def _same(original: Path, copy: Path) -> bool:
    """Does the backup hold every file and link of the original?"""
    if original.is_file():
        return copy.is_file() and copy.stat().st_size == original.stat().st_size
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
    if not os.access(stage.folder, os.W_OK):
        return stage.folder
    for part in _parts(stage):
        for root, _folders, _files in os.walk(part):
            if not os.access(root, os.W_OK | os.X_OK):
                return Path(root)
    return None


def _remove(part: Path, kept: Path) -> None:
    if not part.is_dir():
        part.unlink()
        return
    problems: list[str] = []
    shutil.rmtree(part, onerror=lambda _f, path, _info: problems.append(path))
    if problems:
        raise ResetError(
            f"could not remove {paths.shown(Path(problems[0]))}; the old {part.name}/ is "
            f"partly removed, and all of it is in {paths.shown(kept)}/{part.name}"
        )


def reset(stage: Stage) -> Path:
    """Back up the learner's files, then write the skeleton in their place.
    Raises ResetError, with the learner's files untouched, when it cannot."""
    _refuse_links(stage)
    try:
        skeleton = skeleton_files(stage)
    except Exception as error:  # a patch that no longer fits: nothing is touched
        raise ResetError(f"the skeleton cannot be rebuilt, so nothing changed: {error}") from None
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
            f"could not back up stages/{stage.name}, so nothing changed: {error}"
        ) from None
    parts = _parts(stage)
    if not all(_same(part, kept / part.name) for part in parts):
        raise ResetError(f"the backup in {paths.shown(kept)} is incomplete, so nothing changed")
    for part in parts:
        _remove(part, kept)
    try:
        write_files(stage.folder, skeleton)
    except OSError as error:
        raise ResetError(
            f"could not write the skeleton: {error}; your files are in {paths.shown(kept)}"
        ) from None
    wrong = [name for name, text in skeleton.items() if _read(stage.folder / name) != text]
    extra = [
        p
        for part in _parts(stage)
        for p in ([part] if part.is_file() else part.rglob("*"))
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
