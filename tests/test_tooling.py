"""Learner and instructor tooling: progress, the next stage, reset, watch, hints,
the checks-integrity warning, cohort grading, JUnit, the classroom workflow and
the new-stage scaffold."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from tests.conftest import SQLITE_ONLY, STAGES, apply_mutant, copy_repo, mutants, run_cli
from workbook.authoring import classroom

FIRST, SECOND = STAGES[0], STAGES[1]
BROKEN = Path(__file__).parent / "fixtures" / "broken"


def save_result(state: Path, stage_name: str, status: str, statuses: list[str]) -> None:
    """A cached result, as `check` leaves it, without grading."""
    stage = next(s for s in STAGES if s.name == stage_name)
    requirements = [
        {"id": r.id, "summary": r.summary, "status": s, "message": ""}
        for r, s in zip(stage.requirements, statuses, strict=False)
    ]
    result = {
        "stage": stage.name,
        "number": stage.number,
        "status": status,
        "passed": statuses.count("pass"),
        "total": len(stage.requirements),
        "error": None,
        "requirements": requirements,
        "checked_at": "2026-01-01T00:00:00+00:00",
    }
    (state / "results").mkdir(parents=True, exist_ok=True)
    (state / "results" / f"{stage.name}.json").write_text(json.dumps(result))


# Progress and the next stage ------------------------------------------------


def test_progress_shows_every_stage_and_names_the_next(state: Path) -> None:
    save_result(state, FIRST.name, "pass", ["pass"] * len(FIRST.requirements))
    completed = run_cli("progress", state=state)
    assert completed.returncode == 0
    for stage in STAGES:
        assert stage.title in completed.stdout
    total = len(FIRST.requirements)
    assert f"{total}/{total}" in completed.stdout
    assert "✓" * total in completed.stdout
    assert f"Next: stage {SECOND.number}, {SECOND.title}" in completed.stdout


def test_progress_refresh_grades_every_stage(state: Path) -> None:
    # SQLite only: what is refreshed does not depend on the database.
    completed = run_cli("progress", "--refresh", state=state, env=SQLITE_ONLY)
    assert completed.returncode == 0
    for stage in STAGES:
        cached = json.loads((state / "results" / f"{stage.name}.json").read_text())
        assert cached["passed"] == 0  # the skeletons
    assert "just now" in completed.stdout
    assert f"Next: stage {FIRST.number}" in completed.stdout


def test_check_without_a_stage_grades_the_first_unfinished(state: Path) -> None:
    save_result(state, FIRST.name, "pass", ["pass"] * len(FIRST.requirements))
    completed = run_cli("check", state=state)
    assert f"Stage {SECOND.number} · {SECOND.title}" in completed.stdout


# Hints ----------------------------------------------------------------------


def test_the_solution_rung_unlocks_only_after_a_failed_check(state: Path) -> None:
    requirement = FIRST.requirements[0]
    for _ in range(len(requirement.hints)):
        run_cli("hint", FIRST.name, requirement.id, state=state)
    locked = run_cli("hint", FIRST.name, requirement.id, state=state).stdout
    assert "unlocks once you have tried" in locked
    assert "solutions/" not in locked
    assert requirement.hints[-1] in locked

    # A failed check of the requirement counts as a try (recorded by `check`,
    # see the next test).
    (state / "attempts.json").write_text(json.dumps({FIRST.name: [requirement.id]}))
    unlocked = run_cli("hint", FIRST.name, requirement.id, state=state).stdout
    assert f"solutions/{FIRST.name}/app" in unlocked
    # The reference solution's own code, without the skeleton's TODO.
    assert "app = FastAPI(" in unlocked
    assert "TODO" not in unlocked.split("\n\n", 2)[-1]


def test_a_failed_check_is_remembered_as_a_try(state: Path, tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    requirement = FIRST.requirements[0]
    mutant = next(m for m in mutants() if m.stage == FIRST and m.requirement == requirement.id)
    learner = repo / "stages" / FIRST.name
    shutil.rmtree(learner / "app")
    apply_mutant(mutant, tmp_path / "mutated")
    shutil.copytree(tmp_path / "mutated" / "app", learner / "app")
    run_cli("check", FIRST.name, state=state, repo=repo)
    attempts = json.loads((state / "attempts.json").read_text())
    assert requirement.id in attempts[FIRST.name]


# Reset ----------------------------------------------------------------------


def test_reset_refuses_without_confirmation_and_keeps_the_old_work(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    state = tmp_path / "state"
    main = repo / "stages" / FIRST.name / "app" / "main.py"
    skeleton = main.read_text()
    main.write_text(skeleton + "\n# my work in progress\n")
    (main.parent / "helpers.py").write_text("HELPER = 1\n")

    refused = run_cli("reset", FIRST.name, state=state, repo=repo)
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    assert "my work in progress" in main.read_text()

    declined = run_cli("reset", FIRST.name, state=state, repo=repo, stdin="no\n")
    assert "my work in progress" in main.read_text()
    assert declined.returncode in (1, 2)

    done = run_cli("reset", FIRST.name, "--yes", state=state, repo=repo)
    assert done.returncode == 0
    assert main.read_text() == skeleton
    assert not (main.parent / "helpers.py").exists()
    backups = list((state / "backups").iterdir())
    assert len(backups) == 1
    assert "my work in progress" in (backups[0] / "app" / "main.py").read_text()
    assert (backups[0] / "app" / "helpers.py").read_text() == "HELPER = 1\n"
    assert backups[0].name in done.stdout


# The checks-integrity warning ------------------------------------------------


def test_a_grade_warns_when_the_checks_were_changed(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    git = [
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "-c",
        "commit.gpgsign=false",
    ]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], cwd=repo, check=True)
    state = tmp_path / "state"
    clean = run_cli("check", FIRST.name, "--target", "solutions", state=state, repo=repo)
    assert "not the committed ones" not in clean.stdout

    check = next((repo / "checks" / f"stage_{FIRST.number:02d}").glob("test_*.py"))
    check.write_text(check.read_text() + "\n# loosened\n")
    warned = run_cli("check", FIRST.name, "--target", "solutions", state=state, repo=repo)
    assert warned.returncode == 0  # it warns, it does not refuse
    assert "not the committed ones" in warned.stdout
    assert check.name in warned.stdout


# Watch ----------------------------------------------------------------------


def test_watch_grades_again_after_a_save(tmp_path: Path) -> None:
    target = tmp_path / "work"
    shutil.copytree(FIRST.folder, target)
    environment = {**os.environ, "WORKBOOK_STATE_DIR": str(tmp_path / "state")}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbook", "watch", FIRST.name, "--target", str(target), "--poll"],
        cwd=Path(__file__).parent.parent,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True
    )
    reader.start()

    def reports() -> int:
        return sum(f"Stage {FIRST.number} · " in line and "done" in line for line in lines)

    try:
        deadline = time.monotonic() + 30
        while reports() < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert reports() == 1

        def said() -> str:
            return " ".join(" ".join(lines).split())

        # The reader thread may not have read the line that says so yet.
        polling = "polling every half second (--poll was given)"
        while polling not in said() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert polling in said()
        main = target / "app" / "main.py"
        main.write_text(main.read_text() + "\n# saved\n")
        while reports() < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert reports() == 2, "".join(lines)
    finally:
        process.kill()
        process.wait()
        reader.join(timeout=5)
        process.stdout.close()


def _force_polling_passed(monkeypatch, folder: Path, *, poll: bool = False) -> object:
    """The `force_polling` that `workbook watch` hands to watchfiles."""
    import io

    import watchfiles
    from rich.console import Console

    from workbook.learner import watch

    seen: dict[str, object] = {}

    def fake_watch(*_paths: object, **options: object) -> list[object]:
        seen.update(options)
        return []

    monkeypatch.setattr(watchfiles, "watch", fake_watch)
    watch.watch(folder, lambda: None, Console(file=io.StringIO()), poll=poll)
    return seen["force_polling"]


def test_watch_leaves_wsl_and_the_environment_to_watchfiles(tmp_path: Path, monkeypatch) -> None:
    from workbook.learner import watch

    monkeypatch.delenv("WORKBOOK_WATCH_POLL", raising=False)
    monkeypatch.setattr(watch, "_mount_type", lambda _path: "ext4")
    # None lets watchfiles poll on WSL 2 and honour WATCHFILES_FORCE_POLLING.
    monkeypatch.setenv("WATCHFILES_FORCE_POLLING", "1")
    assert _force_polling_passed(monkeypatch, tmp_path) is None
    # Our own reasons still poll: --poll, WORKBOOK_WATCH_POLL, a network drive.
    assert _force_polling_passed(monkeypatch, tmp_path, poll=True) is True
    monkeypatch.setattr(watch, "_mount_type", lambda _path: "nfs4")
    assert _force_polling_passed(monkeypatch, tmp_path) is True


# Cohort grading --------------------------------------------------------------


# The cohort test lives in tests/test_cohort.py (it needs a committed copy of the repo).


def test_check_writes_junit(state: Path, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    run_cli("check", FIRST.name, "--junit", str(junit), state=state)
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("tests") == str(len(FIRST.requirements))
    assert suite.get("failures") == str(len(FIRST.requirements))
    cases = suite.findall("testcase")
    assert cases[0].find("failure").get("type") == "todo"


# GitHub Classroom -------------------------------------------------------------


def test_the_classroom_workflow_is_up_to_date() -> None:
    assert classroom.WORKFLOW.read_text() == classroom.workflow(STAGES)


def test_the_classroom_workflow_reads_back_with_every_stage_and_requirement(
    tmp_path: Path, state: Path
) -> None:
    """A title holding ": " and a requirement 1.10 survive the trip through YAML."""
    repo = copy_repo(tmp_path / "repo")
    toml = repo / "stages" / FIRST.name / "stage.toml"
    text = toml.read_text().replace(f'title = "{FIRST.title}"', 'title = "Routing: the basics"')
    extra = len(FIRST.requirements) + 1
    for k in range(extra, 11):
        text += f'\n[[requirements]]\nid = "1.{k}"\nsummary = "Extra {k}"\nhints = ["h"]\n'
    toml.write_text(text)
    assert run_cli("classroom", state=state, repo=repo).returncode == 0

    document = yaml.safe_load((repo / ".github" / "workflows" / "classroom.yml").read_text())
    steps = document["jobs"]["autograding"]["steps"]
    names = [step.get("name") for step in steps]
    assert "Grade stage 1 (Routing: the basics)" in names
    for stage in STAGES[1:]:
        assert f"Grade stage {stage.number} ({stage.title})" in names
    wanted = [r.id for r in FIRST.requirements] + [f"1.{k}" for k in range(extra, 11)]
    wanted += [r.id for stage in STAGES[1:] for r in stage.requirements]
    graders = [s for s in steps if s.get("uses", "").endswith("autograding-command-grader@v1")]
    assert [s["with"]["test-name"] for s in graders] == wanted
    assert "1.10" in names  # a string, not the number 1.1
    assert names.count("1.1") == 1
    assert all(s["with"]["command"].endswith(f"passed {s['name']}") for s in graders)
    reporter = steps[-1]
    assert reporter["with"]["runners"].split(",") == [s["id"] for s in graders]
    assert document["on"] == {"push": None, "workflow_dispatch": None}


def test_passed_answers_from_the_last_check(state: Path) -> None:
    requirement = FIRST.requirements[0]
    assert run_cli("passed", requirement.id, state=state).returncode == 1  # not checked yet
    save_result(state, FIRST.name, "fail", ["pass"] + ["todo"] * (len(FIRST.requirements) - 1))
    assert run_cli("passed", requirement.id, state=state).returncode == 0
    assert run_cli("passed", FIRST.requirements[1].id, state=state).returncode == 1


# New stage ------------------------------------------------------------------


def test_a_new_stage_is_picked_up_by_make_test_at_once(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    number = 90  # beyond any real stage
    created = run_cli(
        "new-stage",
        str(number),
        "caching",
        "Caching with Redis",
        state=tmp_path / "state",
        repo=repo,
    )
    assert created.returncode == 0, created.stderr
    name = f"{number:02d}_caching"
    for folder in (
        f"stages/{name}",
        f"solutions/{name}",
        f"checks/stage_{number:02d}",
        f"tests/mutants/{name}",
    ):
        assert (repo / folder).is_dir()
    # The instructor fills the README's TODO with a real lesson: minimal here.
    readme = repo / "stages" / name / "README.md"
    readme.write_text(readme.read_text().replace("TODO", "Written."))
    tests = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_stages.py",
            "tests/test_mutants.py",
            "-k",
            name,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed" in tests.stdout
    assert "deselected" in tests.stdout
    again = run_cli("new-stage", str(number), "other", "Other", state=tmp_path / "state", repo=repo)
    assert again.returncode == 2
    assert "exists already" in again.stderr


# Hints on a finished stage, and `run` -----------------------------------------


def test_hint_on_a_finished_stage_says_so_and_names_the_next(state: Path) -> None:
    save_result(state, FIRST.name, "pass", ["pass"] * len(FIRST.requirements))
    completed = run_cli("hint", FIRST.name, state=state)
    assert completed.returncode == 0
    assert f"Stage {FIRST.number} is done" in completed.stdout
    assert f"Next: stage {SECOND.number}, {SECOND.title}" in completed.stdout
    assert f"`make check STAGE={SECOND.number}`" in completed.stdout
    assert "Hint 1 of" not in completed.stdout  # no ladder climbed
    assert (
        not (state / "hints.json").exists() or FIRST.name not in (state / "hints.json").read_text()
    )
    # A requirement named outright still gets its hint.
    named = run_cli("hint", FIRST.name, FIRST.requirements[0].id, state=state)
    assert f"for {FIRST.requirements[0].id}:" in named.stdout
