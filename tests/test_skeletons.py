"""Skeletons and mutants are kept as plain code and as diffs against the
solution: the diffs apply strictly, and the consistency rule holds a skeleton
to differing only where a TODO says so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import STAGES, copy_repo, run_cli
from workbook import paths
from workbook.authoring import consistency
from workbook.authoring.patches import PatchError, apply_to, files_of, make, patched_copy
from workbook.stages import load_stage

SOLUTION = {
    "app/main.py": (
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        '@app.get("/health")\ndef health() -> dict[str, str]:\n    return {"status": "ok"}\n'
    )
}


def test_a_patch_round_trips_and_survives_edits_elsewhere() -> None:
    mutated = {"app/main.py": SOLUTION["app/main.py"].replace('"ok"', '"fine"')}
    patch = make(SOLUTION, mutated)
    assert apply_to(SOLUTION, patch) == mutated
    # A line added above the hunk shifts it; the hunk still fits.
    shifted = {"app/main.py": "# a new comment\n" + SOLUTION["app/main.py"]}
    assert apply_to(shifted, patch)["app/main.py"].endswith('return {"status": "fine"}\n')


def test_a_patch_that_no_longer_fits_is_named() -> None:
    patch = make(SOLUTION, {"app/main.py": SOLUTION["app/main.py"].replace('"ok"', '"x"')})
    changed = {"app/main.py": SOLUTION["app/main.py"].replace('"ok"', '"okay"')}
    with pytest.raises(PatchError, match=r"app/main\.py: hunk 1"):
        apply_to(changed, patch)


def test_a_patch_can_create_and_delete_files() -> None:
    new = {"app/extra.py": "x = 1\n"}
    patch = make(SOLUTION, new)
    assert apply_to(SOLUTION, patch) == new


def test_a_patch_reaches_the_migrations_and_alembic_ini(tmp_path: Path) -> None:
    # From stage 9 the schema is Alembic's: a mutant may break a migration.
    solution = tmp_path / "solution"
    for relative, text in {
        "app/main.py": "app = None\n",
        "alembic.ini": "[alembic]\nscript_location = %(here)s/migrations\n",
        "migrations/versions/0002_money.py": "def downgrade() -> None:\n    pass\n",
        "migrations/versions/__pycache__/0002_money.cpython-313.pyc": "stale\n",
        "README.md": "not the learner's code\n",
    }.items():
        (solution / relative).parent.mkdir(parents=True, exist_ok=True)
        (solution / relative).write_text(text, encoding="utf-8")
    original = files_of(solution)
    assert sorted(original) == ["alembic.ini", "app/main.py", "migrations/versions/0002_money.py"]
    mutated = dict(original)
    mutated["migrations/versions/0002_money.py"] = (
        "def downgrade() -> None:\n    raise SystemExit\n"
    )
    del mutated["alembic.ini"]
    copy = patched_copy(solution, make(original, mutated), tmp_path / "mutant")
    assert files_of(copy) == mutated


@pytest.fixture
def first_stage_copy(tmp_path: Path):
    repo = copy_repo(tmp_path / "repo")
    original = paths.STAGES, paths.SOLUTIONS
    paths.STAGES, paths.SOLUTIONS = repo / "stages", repo / "solutions"
    try:
        yield load_stage(repo / "stages" / STAGES[0].name)
    finally:
        paths.STAGES, paths.SOLUTIONS = original


def test_a_skeleton_that_differs_outside_a_todo_region_fails(first_stage_copy) -> None:
    stage = first_stage_copy
    assert consistency.problems(stage) == []
    main = stage.folder / "app" / "main.py"
    main.write_text(main.read_text().replace("    message: str\n", "    message: str | None\n", 1))
    consistency.record(stage)  # even with the patch recorded, the rule holds
    found = consistency.problems(stage)
    assert any("differs from the solution without a TODO" in problem for problem in found)


def test_a_requirement_without_a_todo_region_fails(first_stage_copy) -> None:
    stage = first_stage_copy
    last = stage.requirements[-1].id
    for path in (stage.folder / "app").rglob("*.py"):
        path.write_text(path.read_text().replace(f"TODO {last}", "TODO (later)"))
    found = consistency.problems(stage)
    assert f"{stage.name}: requirement {last} has no TODO region" in found


def test_a_stale_skeleton_patch_fails(first_stage_copy) -> None:
    stage = first_stage_copy
    main = stage.folder / "app" / "main.py"
    main.write_text(main.read_text() + "# TODO 1.2: a note\n")
    assert any("skeleton.patch" in problem for problem in consistency.problems(stage))


def test_the_skeletons_command_reports_and_records(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    stage = STAGES[0]
    patch = repo / "solutions" / stage.name / "skeleton.patch"
    shutil.copy(patch, tmp_path / "kept.patch")
    patch.write_text("")
    stale = run_cli("skeletons", stage.name, state=tmp_path / "state", repo=repo)
    assert stale.returncode == 1
    assert "skeleton.patch" in stale.stdout
    fixed = run_cli("skeletons", stage.name, "--record", state=tmp_path / "state", repo=repo)
    assert fixed.returncode == 0, fixed.stdout
    assert patch.read_text() == (tmp_path / "kept.patch").read_text()


def test_a_file_that_is_not_python_is_one_region_named_by_its_todos() -> None:
    solution = {"deploy/nginx.conf": "events {\n    worker_connections 1024;\n}\n\nhttp {\n}\n"}
    marked = {"deploy/nginx.conf": "# TODO 10.7: an upstream and a server\nevents {\n}\n\nx\n"}
    unmarked = {"deploy/nginx.conf": "# an upstream and a server\nevents {\n}\n\nx\n"}
    found = consistency.regions(solution, marked)
    assert len(found) > 1  # the shared lines split the diff into several hunks…
    assert all(region.requirements == {"10.7"} for region in found)  # …each the file's
    assert all(region.requirements == set() for region in consistency.regions(solution, unmarked))
