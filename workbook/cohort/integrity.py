"""Is the grade trustworthy? The grader that produces it must be the committed
one, running on the packages as installed.

Two sources of truth: git for the workbook's own files (workbook/, checks/,
solutions/, conftest.py, each stage.toml), and the RECORD file every installed
distribution keeps (a hash per file) for the venv's site-packages, where also
no `.pth` file or `sitecustomize` may appear that no distribution installed:
Python runs those at every start. `grade` refuses to run when anything
differs; `check` warns.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.metadata
import os
import site
import subprocess
import sys
from pathlib import Path

from workbook import paths
from workbook.stages import Stage

GRADER = ["workbook", "checks", "solutions", "conftest.py", ":(glob)stages/*/stage.toml"]
STARTUP_HOOKS = ("sitecustomize.py", "usercustomize.py")


def _git_changes(watched: list[str]) -> list[str] | None:
    """Paths under `watched` that differ from the last commit or are new; None
    when this is not a git checkout (or git is missing)."""
    try:
        completed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", *watched],
            cwd=paths.REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode != 0:
        return None
    return [line[3:] for line in completed.stdout.splitlines() if line.strip()]


def _digest(path: Path, algorithm: str) -> str:
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            hasher.update(chunk)
    return base64.urlsafe_b64encode(hasher.digest()).rstrip(b"=").decode("ascii")


def _site_folders() -> list[Path]:
    folders = {Path(p).resolve() for p in site.getsitepackages() if Path(p).is_dir()}
    return sorted(folders)


def package_changes(*, hash_everything: bool = True) -> list[str]:
    """Files of installed distributions that differ from their RECORD, and
    start-up hooks (.pth, sitecustomize) that no distribution installed.
    Without `hash_everything`, only .pth files are hashed and other files have
    their sizes compared (quick enough for every `check`; `grade` hashes all)."""
    changes: list[str] = []
    recorded: set[Path] = set()
    site_folders = _site_folders()
    for dist in importlib.metadata.distributions():
        record = dist.read_text("RECORD")
        base = Path(str(dist.locate_file(""))).resolve()
        if record is None or not any(base == s for s in site_folders):
            continue
        for row in csv.reader(record.splitlines()):
            if not row or not row[0]:
                continue
            path = Path(os.path.normpath(base / row[0]))  # resolve() costs a syscall per part
            recorded.add(path)
            if len(row) < 3 or not row[1] or "=" not in row[1]:
                continue  # RECORD itself, and bytecode: listed without a hash
            shown = f"site-packages/{row[0]}"
            algorithm, _, wanted = row[1].partition("=")
            try:
                if hash_everything or path.suffix == ".pth":
                    same = _digest(path, algorithm) == wanted
                else:
                    same = not row[2] or path.stat().st_size == int(row[2])
            except (OSError, ValueError):
                changes.append(f"{shown} (missing)")
                continue
            if not same:
                changes.append(f"{shown} (changed since it was installed)")
    for folder in site_folders:
        hooks = [*folder.glob("*.pth"), *(folder / name for name in STARTUP_HOOKS)]
        for hook in hooks:
            if hook.exists() and Path(os.path.normpath(hook)) not in recorded:
                changes.append(f"site-packages/{hook.name} (installed by no package)")
    stdlib = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for name in STARTUP_HOOKS:
        if (stdlib / name).exists():
            changes.append(f"{stdlib / name} (a start-up hook in Python itself)")
    return sorted(set(changes))


def changes() -> list[str]:
    """Everything that makes `grade` refuse: the grader's files as git sees
    them, and the venv's packages against their RECORD."""
    found = _git_changes(GRADER)
    if found is None:
        found = ["(not a git checkout: the grader's own files cannot be verified)"]
    return found + package_changes()


def modified_checks(stage: Stage) -> list[str]:
    """What `check` warns about: the stage's checks and what they share, the
    grader, the stage's solution, and the installed packages, where they differ
    from the last commit or their RECORD (quick form)."""
    watched = [
        paths.shown(stage.checks),
        "checks/support",
        "checks/conftest.py",
        "conftest.py",
        "workbook",
        paths.shown(stage.solution),
    ]
    return (_git_changes(watched) or []) + package_changes(hash_everything=False)
