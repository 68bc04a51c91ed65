"""`workbook reset` never loses or damages anything: one test per case of
issue 16 (a linked app/, links leading out, links to themselves, files under
__pycache__, read-only folders, dangling links)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import STAGES, copy_repo
from workbook.cohort import sandbox

FIRST = STAGES[0]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_repo(tmp_path / "repo")


def reset(repo: Path, *wrapper: str, stage: str = FIRST.name) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "WORKBOOK_STATE_DIR": str(repo / ".workbook")}
    return subprocess.run(
        [*wrapper, sys.executable, "-m", "workbook", "reset", stage, "--yes"],
        cwd=repo, env=environment, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def app_of(repo: Path) -> Path:
    return repo / "stages" / FIRST.name / "app"


def backups(repo: Path) -> list[Path]:
    folder = repo / ".workbook" / "backups"
    return sorted(folder.iterdir()) if folder.exists() else []


def one_clear_line(completed: subprocess.CompletedProcess[str]) -> str:
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    return lines[0]


def test_a_linked_app_is_refused_and_its_target_untouched(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "main.py").write_text("MINE = 1\n")
    app = app_of(repo)
    subprocess.run(["rm", "-rf", str(app)], check=True)
    app.symlink_to(elsewhere)
    line = one_clear_line(reset(repo))
    assert "is a link" in line
    assert (elsewhere / "main.py").read_text() == "MINE = 1\n"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["main.py"]


def test_a_link_leading_out_of_the_stage_folder_is_refused(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "notes.txt"
    secret.write_text("keep\n")
    (app_of(repo) / "notes.py").symlink_to(secret)
    line = one_clear_line(reset(repo))
    assert "leading out of the stage folder" in line
    assert (app_of(repo) / "notes.py").is_symlink()
    assert secret.read_text() == "keep\n"


def test_links_to_themselves_are_backed_up_as_links(repo: Path) -> None:
    app = app_of(repo)
    (app / "a").symlink_to("b")
    (app / "b").symlink_to("a")
    (app / "here").symlink_to(".")
    (app / "up").symlink_to("..")
    done = reset(repo)
    assert done.returncode == 0, done.stderr
    (kept,) = backups(repo)
    for name, target in (("a", "b"), ("b", "a"), ("here", "."), ("up", "..")):
        assert os.readlink(kept / "app" / name) == target
    size = sum(p.lstat().st_size for p in kept.rglob("*"))
    assert size < 1_000_000
    assert not (app / "a").is_symlink()


def test_everything_under_pycache_is_backed_up(repo: Path) -> None:
    cache = app_of(repo) / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "notes.txt").write_text("not bytecode\n")
    (cache / "main.cpython-311.pyc").write_bytes(b"\0" * 16)
    done = reset(repo)
    assert done.returncode == 0, done.stderr
    (kept,) = backups(repo)
    assert (kept / "app" / "__pycache__" / "notes.txt").read_text() == "not bytecode\n"
    assert (kept / "app" / "__pycache__" / "main.cpython-311.pyc").exists()
    assert not cache.exists()


def read_only(folder: Path) -> list[str]:
    """A command prefix under which `folder` is read-only, even for root."""
    if os.geteuid() != 0:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        return []
    if sandbox.unavailable() is not None:
        pytest.skip(f"as root, a read-only folder needs bwrap: {sandbox.unavailable()}")
    return [str(sandbox.binary()), "--dev-bind", "/", "/", "--ro-bind", str(folder), str(folder)]


@pytest.mark.parametrize("where", ["subfolder", "app"])
def test_a_read_only_folder_gives_one_line_and_changes_nothing(repo: Path, where: str) -> None:
    app = app_of(repo)
    (app / "routers").mkdir()
    (app / "routers" / "mine.py").write_text("MINE = 1\n")
    main = app / "main.py"
    main.write_text(main.read_text() + "\n# my work\n")
    wrapper = read_only(app / "routers" if where == "subfolder" else app)
    try:
        line = one_clear_line(reset(repo, *wrapper))
    finally:
        for path in [app, *app.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert "read-only" in line
    assert (app / "routers" / "mine.py").read_text() == "MINE = 1\n"
    assert "# my work" in main.read_text()


def test_a_dangling_link_inside_app_is_kept_in_the_backup(repo: Path) -> None:
    (app_of(repo) / "gone.py").symlink_to("deleted.py")
    done = reset(repo)
    assert done.returncode == 0, done.stderr
    (kept,) = backups(repo)
    assert os.readlink(kept / "app" / "gone.py") == "deleted.py"
    assert "back to its skeleton" in done.stdout


def test_a_dangling_link_out_of_the_stage_folder_gives_one_line(repo: Path) -> None:
    (app_of(repo) / "gone.py").symlink_to("/nonexistent/deleted.py")
    line = one_clear_line(reset(repo))
    assert "gone.py" in line


MIGRATED = next((s for s in STAGES if (s.folder / "alembic.ini").is_file()), None)


@pytest.mark.skipif(MIGRATED is None, reason="no stage has Alembic migrations yet")
def test_migrations_and_alembic_ini_are_kept_aside_and_put_back(repo: Path) -> None:
    """From stage 9 the learner writes migrations too: reset keeps them like app/."""
    assert MIGRATED is not None
    folder = repo / "stages" / MIGRATED.name
    ini, skeleton_ini = folder / "alembic.ini", (folder / "alembic.ini").read_text()
    ini.write_text(skeleton_ini + "# the learner's own line\n")
    mine = folder / "migrations" / "versions" / "0003_learners_own.py"
    mine.write_text('"""A migration the learner wrote."""\n')
    done = reset(repo, stage=MIGRATED.name)
    assert done.returncode == 0, done.stderr
    (kept,) = backups(repo)
    assert (kept / "alembic.ini").read_text().endswith("# the learner's own line\n")
    assert (kept / "migrations" / "versions" / "0003_learners_own.py").is_file()
    assert ini.read_text() == skeleton_ini
    assert not mine.exists()
