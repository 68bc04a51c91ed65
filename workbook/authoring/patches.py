"""Unified diffs between two versions of a stage's files, made and applied strictly.

Two things in the workbook are "a solution, changed a little": a mutant (a
known mistake) and a skeleton (the solution with its TODO regions put back).
Both are stored as a unified diff against the solution, so they read like any
code review, survive edits elsewhere in the solution, and `git apply` takes
them too. Applying is strict: a hunk's context and removed lines must be in the
file exactly (at the line the hunk names, or shifted by unrelated edits above
it); otherwise `PatchError` says which file and hunk no longer fit.
"""

from __future__ import annotations

import difflib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

_HUNK = re.compile(r"^@@ -(?P<old>\d+)(?:,(?P<old_len>\d+))? \+\d+(?:,\d+)? @@")
SKIPPED_PARTS = frozenset({"__pycache__", ".pytest_cache"})
# What a patch may touch, relative to the stage folder: the app, the Alembic
# files of the stages that own their schema by migrations, and what stage 10
# deploys it with.
LEARNER_PARTS = (
    "app",
    "alembic.ini",
    "migrations",
    "Dockerfile",
    ".dockerignore",
    "compose.yaml",
    "requirements.txt",
    "deploy",
)


class PatchError(Exception):
    """A patch that cannot be read, or no longer fits the files it changes."""


@dataclass
class Hunk:
    old_start: int  # 1-based, as in the header
    lines: list[str] = field(default_factory=list)  # each with its ' ', '-' or '+' prefix

    @property
    def old(self) -> list[str]:
        return [line[1:] for line in self.lines if line[:1] in (" ", "-")]

    @property
    def new(self) -> list[str]:
        return [line[1:] for line in self.lines if line[:1] in (" ", "+")]

    @property
    def removed(self) -> list[str]:
        return [line[1:] for line in self.lines if line[:1] == "-"]

    @property
    def added(self) -> list[str]:
        return [line[1:] for line in self.lines if line[:1] == "+"]

    def text(self) -> str:
        return "".join(_terminated(line) for line in self.lines)


@dataclass
class FilePatch:
    path: str  # relative to the stage folder, e.g. "app/main.py"
    created: bool = False
    deleted: bool = False
    hunks: list[Hunk] = field(default_factory=list)


def _terminated(line: str) -> str:
    return line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def files_of(root: Path) -> dict[str, str]:
    """Every text file a learner writes in the stage folder root (app/, and
    from stage 9 on Alembic's alembic.ini and migrations/), keyed by its path
    relative to root."""
    found: dict[str, str] = {}
    for part in LEARNER_PARTS:
        top = root / part
        members = [top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir() else []
        for path in members:
            if path.is_file() and not SKIPPED_PARTS & set(path.relative_to(root).parts):
                found[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    return found


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write files (keyed relative to root) under root, leaving equal ones alone."""
    for relative, content in files.items():
        destination = root / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.is_file() or destination.read_text(encoding="utf-8") != content:
            destination.write_text(content, encoding="utf-8")


def make(old: dict[str, str], new: dict[str, str], context: int = 3) -> str:
    """The unified diff that turns the `old` files into the `new` ones."""
    out: list[str] = []
    for path in sorted(old.keys() | new.keys()):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        out.extend(
            _terminated(line)
            for line in difflib.unified_diff(
                (before or "").splitlines(keepends=True),
                (after or "").splitlines(keepends=True),
                fromfile=f"a/{path}" if before is not None else "/dev/null",
                tofile=f"b/{path}" if after is not None else "/dev/null",
                n=context,
            )
        )
    return "".join(out)


def parse(text: str) -> list[FilePatch]:
    patches: list[FilePatch] = []
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("--- "):
            if index + 1 >= len(lines) or not lines[index + 1].startswith("+++ "):
                raise PatchError(f"line {index + 1}: '---' without '+++'")
            source, target = line[4:].strip(), lines[index + 1][4:].strip()
            path = (target if target != "/dev/null" else source).split("/", 1)[1]
            patches.append(
                FilePatch(path, created=source == "/dev/null", deleted=target == "/dev/null")
            )
            index += 2
        elif (header := _HUNK.match(line)) is not None:
            if not patches:
                raise PatchError(f"line {index + 1}: a hunk before any file header")
            hunk = Hunk(int(header["old"]))
            patches[-1].hunks.append(hunk)
            index += 1
            while index < len(lines) and lines[index][:1] in (" ", "-", "+", "\\", "\n"):
                if (
                    lines[index].startswith("--- ")
                    and lines[index + 1 : index + 2]
                    and (lines[index + 1].startswith("+++ "))
                ):
                    break
                current = lines[index]
                if current.startswith("\\"):
                    hunk.lines[-1] = hunk.lines[-1].rstrip("\n")
                else:
                    hunk.lines.append(" \n" if current == "\n" else current)
                index += 1
        else:
            index += 1  # text between files (a git header, a comment) is ignored
    return patches


def _locate(lines: list[str], wanted: list[str], hint: int, floor: int) -> int | None:
    """Where `wanted` sits in `lines` at or after `floor`, nearest to `hint`."""
    if not wanted:
        return max(hint, floor)
    candidates = [
        start
        for start in range(floor, len(lines) - len(wanted) + 1)
        if lines[start : start + len(wanted)] == wanted
    ]
    return min(candidates, key=lambda start: abs(start - hint)) if candidates else None


def apply_to(files: dict[str, str], text: str) -> dict[str, str]:
    """The files with the patch applied; raises PatchError if it does not fit."""
    result = dict(files)
    for patch in parse(text):
        if patch.deleted:
            if patch.path not in result:
                raise PatchError(f"{patch.path}: the patch deletes a file that is not there")
            del result[patch.path]
            continue
        if patch.created:
            result[patch.path] = "".join(patch.hunks[0].new) if patch.hunks else ""
            continue
        if patch.path not in result:
            raise PatchError(f"{patch.path}: the patch changes a file that is not there")
        lines = result[patch.path].splitlines(keepends=True)
        out: list[str] = []
        position, shift = 0, 0
        for number, hunk in enumerate(patch.hunks, 1):
            old = hunk.old
            hint = hunk.old_start - 1 + shift if old else hunk.old_start + shift
            start = _locate(lines, old, hint, position)
            if start is None:
                raise PatchError(
                    f"{patch.path}: hunk {number} (at line {hunk.old_start}) no longer fits:\n"
                    + hunk.text()
                )
            shift = start - (hunk.old_start - 1)
            out.extend(lines[position:start])
            out.extend(hunk.new)
            position = start + len(old)
        out.extend(lines[position:])
        result[patch.path] = "".join(out)
    return result


def patched_copy(source: Path, patch: str, destination: Path) -> Path:
    """A copy of the stage folder `source` (a solution) at `destination`, with
    `patch` applied to its files: how a mutant or a variant is laid out to grade."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__"))
    original = files_of(destination)
    changed = apply_to(original, patch)
    write_files(destination, changed)
    for relative in original.keys() - changed.keys():
        (destination / relative).unlink()
    return destination
