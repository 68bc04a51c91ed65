"""The grader leaves the learner's folder byte for byte as it was, and every
check runs on a fresh app."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from tests.conftest import SQLITE_ONLY, STAGES, run_cli


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        if path.is_file()
        else "dir"
        for path in sorted(folder.rglob("*"))
    }


def test_grading_writes_nothing_into_the_target(tmp_path: Path) -> None:
    stage = [s for s in STAGES if (s.solution / "app").is_dir()][-1]  # the latest app
    for source in (stage.folder, stage.solution):
        target = tmp_path / source.parent.name / stage.name
        shutil.copytree(source, target)
        before = snapshot(target)
        # On SQLite only: the database file is what could land in the target,
        # and a second database would only double the time.
        run_cli(
            "check", stage.name, "--target", str(target), state=tmp_path / "state", env=SQLITE_ONLY
        )
        after = snapshot(target)
        assert after == before
        assert not list(target.rglob("__pycache__"))


def test_the_learners_stage_folder_is_untouched_by_make_check(tmp_path: Path) -> None:
    stage = STAGES[0]
    before = snapshot(stage.folder)
    run_cli("check", stage.name, state=tmp_path / "state")
    assert snapshot(stage.folder) == before
