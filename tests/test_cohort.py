"""`workbook grade` against hostile submissions (tests/fixtures/hostile): every
honest row is what grading it alone gives, no planted secret comes out, no
process survives, nothing outside the run's folder changes, and the gradebook
is complete. Also the integrity check, the flags column and --no-sandbox."""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import STAGES, apply_mutant, copy_repo, mutants, run_cli
from workbook.cohort import cohort, gradebook, integrity, pool, results, sandbox, suspicious

FIRST = STAGES[0]
HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
BROKEN = Path(__file__).parent / "fixtures" / "broken"
SECRETS = {
    "CI_JOB_TOKEN": "ci-token-5d1e0a",
    "WORKBOOK_POSTGRES_URL": "postgresql://postgres:pg-secret-77c2@127.0.0.1:5432/postgres",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-9b4f",
}
FILE_SECRETS = {".ssh/id_rsa": "ssh-key-3f8a0c", ".pgpass": "pgpass-secret-41d9"}
SERVICE_SECRET = "service-secret-e27b"
# What the hostile submissions write to on the machine if they can.
PLANTED = ("results.json", "gradebook.csv", "neighbour-started", "breaker-started")

needs_sandbox = pytest.mark.skipif(
    sandbox.unavailable() is not None, reason=f"no sandbox here: {sandbox.unavailable()}"
)


def committed_repo(destination: Path) -> Path:
    """A copy of the workbook, committed, so that its integrity check passes."""
    repo = copy_repo(destination)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "-c", "commit.gpgsign=false", "commit", "-qm", "x"], cwd=repo, check=True)
    return repo


def honest_cohort(folder: Path) -> None:
    shutil.copytree(FIRST.solution, folder / "ada" / "stages" / FIRST.name)
    shutil.copytree(FIRST.folder, folder / "bo")
    for mutant in (m for m in mutants() if m.stage == FIRST):
        try:
            apply_mutant(mutant, folder / "cleo")
            return
        except Exception:  # the solution moved on under this mutant: the next one
            shutil.rmtree(folder / "cleo", ignore_errors=True)
    raise AssertionError(f"no mutant of {FIRST.name} applies")


def rows(book: Path) -> dict[str, dict[str, str]]:
    with open(book, newline="", encoding="utf-8") as handle:
        return {row["learner"]: row for row in csv.DictReader(handle)}


def grade_row(row: dict[str, str]) -> dict[str, str]:
    """What a row says about the grade (not the flags or the notes)."""
    return {k: v for k, v in row.items() if k not in ("flags", "notes", "error")}


def serve_secret() -> tuple[socket.socket, int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                connection.sendall(SERVICE_SECRET.encode())

    threading.Thread(target=answer, daemon=True).start()
    return server, server.getsockname()[1]


def survivors(*needles: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if any(needle in line for needle in needles):
            found.append(f"{entry.name}: {line[:200]}")
    return found


def snapshot(*folders: Path) -> dict[str, bytes]:
    files = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[str(path)] = path.read_bytes()
    return files


@needs_sandbox
def test_a_cohort_with_one_hostile_submission_per_kind(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo")
    home = tmp_path / "home"
    for name, secret in FILE_SECRETS.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(secret + "\n")
    marker = f"hostile-marker-{os.getpid()}-{time.time_ns()}"
    server, port = serve_secret()
    submissions = tmp_path / "cohort"
    honest_cohort(submissions)
    kinds = sorted(p.name for p in HOSTILE.iterdir() if (p / "app").is_dir())
    for kind in kinds:
        shutil.copytree(HOSTILE / kind, submissions / f"x-{kind}")
        settings = {"marker": marker, "port": port, "home": str(home)}
        (submissions / f"x-{kind}" / "settings.json").write_text(json.dumps(settings))
    planted_before = {name: (Path("/tmp") / name).exists() for name in PLANTED}
    pth = next(Path(p) for p in sys.path if p.endswith("site-packages"))
    pth = pth / "zz_workbook_hostile_test.pth"
    before = snapshot(repo / "workbook", repo / "checks", repo / "solutions", home)
    honest_before = snapshot(submissions / "ada", submissions / "bo", submissions / "cleo")
    out = tmp_path / "grades"
    environment = {**SECRETS, "HOME": str(home), "WORKBOOK_CHECK_TIMEOUT": "5"}
    environment["WORKBOOK_SANDBOX_MEMORY_MB"] = "700"  # the limits submission uses 900
    started = time.monotonic()
    try:
        completed = run_cli(
            "grade", str(submissions), "--stage", FIRST.name, "--out", str(out),
            "--timeout", "20", "--jobs", "2",
            state=tmp_path / "state", env=environment, repo=repo, timeout=240,
        )  # fmt: skip
        elapsed = time.monotonic() - started
        # Each in a sandbox of its own, with no hostile neighbour: as if alone.
        alone_dir = tmp_path / "alone"
        honest_cohort(alone_dir)
        run_cli(
            "grade", str(alone_dir), "--stage", FIRST.name, "--out", str(alone_dir / "grades"),
            state=tmp_path / "state", repo=repo, timeout=120,
            env={"WORKBOOK_CHECK_TIMEOUT": "5"},
        )  # fmt: skip
        alone = rows(alone_dir / "grades" / "gradebook.csv")
    finally:
        server.close()
        landed = pth.exists()
        if landed:
            pth.unlink()  # harmless, but it must not stay in the shared venv
    assert completed.returncode == 0, completed.stdout + completed.stderr
    print(f"graded {3 + len(kinds)} submissions in {elapsed:.1f} s")

    book = rows(out / "gradebook.csv")
    assert sorted(book) == sorted(["ada", "bo", "cleo", *(f"x-{k}" for k in kinds)])
    for learner in ("ada", "bo", "cleo"):
        assert grade_row(book[learner]) == grade_row(alone[learner]), learner
    assert book["ada"]["status"] == "pass"
    assert book["x-borrower"]["passed"] == "0"  # neither a neighbour's app nor solutions/
    assert "stopped by the grader" in book["x-limits"]["error"]
    # The check stuck in C code ends at its own cap; the checks after it still run.
    stuck = book["x-regex"]
    assert "stopped by the grader" not in stuck["error"]
    assert [r.id for r in FIRST.requirements if stuck[r.id] == "error"] != [
        r.id for r in FIRST.requirements
    ]
    assert "workbook" not in book["ada"]["flags"]
    assert not book["ada"]["flags"]
    assert "the grader" in book["x-grader"]["flags"]
    assert "sockets" in book["x-secrets"]["flags"]
    assert "/proc" in book["x-secrets"]["flags"]
    assert "os.fork" in book["x-neighbour"]["flags"]
    for learner in book:
        assert json.loads((out / f"{learner}.json").read_text())["stage"] == FIRST.name

    everything = completed.stdout + completed.stderr
    everything += "".join(p.read_text() for p in out.iterdir())
    for secret in [*SECRETS.values(), *FILE_SECRETS.values(), SERVICE_SECRET, "pg-secret"]:
        assert secret not in everything, secret

    assert survivors(marker, str(submissions)) == []
    assert not landed, "a submission wrote a .pth file into the venv"
    assert snapshot(repo / "workbook", repo / "checks", repo / "solutions", home) == before
    assert snapshot(submissions / "ada", submissions / "bo", submissions / "cleo") == honest_before
    for name, existed in planted_before.items():
        assert existed or not (Path("/tmp") / name).exists(), f"/tmp/{name} was written"
    assert not (Path("/tmp") / "big.bin").exists()


@needs_sandbox
def test_grade_refuses_a_changed_grader_and_says_what_changed(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo")
    plugin = repo / "workbook" / "engine" / "pytest_plugin.py"
    plugin.write_text(plugin.read_text() + "\n# every check passes\n")
    submissions = tmp_path / "cohort"
    shutil.copytree(FIRST.folder, submissions / "bo")
    completed = run_cli(
        "grade", str(submissions), "--stage", FIRST.name, state=tmp_path / "s", repo=repo
    )
    assert completed.returncode == 2
    assert "refusing to grade" in completed.stderr
    assert "workbook/engine/pytest_plugin.py" in completed.stderr
    assert not (submissions / f"grades-{FIRST.name}").exists()


def test_a_start_up_hook_no_package_installed_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "evil.pth").write_text("import os\n")
    monkeypatch.setattr(integrity, "_site_folders", lambda: [tmp_path])
    found = integrity.package_changes(hash_everything=False)
    assert "site-packages/evil.pth (installed by no package)" in found


def test_the_installed_packages_match_their_records() -> None:
    assert [c for c in integrity.package_changes() if "hostile" in c] == []


def test_grade_refuses_without_a_sandbox_unless_told(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo")
    submissions = tmp_path / "cohort"
    shutil.copytree(FIRST.solution, submissions / "ada")
    env = {"WORKBOOK_BWRAP": str(tmp_path / "no-bwrap-here")}
    refused = run_cli("grade", str(submissions), "--stage", FIRST.name, state=tmp_path / "s",
                      repo=repo, env=env)  # fmt: skip
    assert refused.returncode == 2
    assert "without a sandbox" in refused.stderr
    assert "--no-sandbox" in refused.stderr
    out = tmp_path / "grades"
    done = run_cli("grade", str(submissions), "--stage", FIRST.name, "--no-sandbox",
                   "--out", str(out), state=tmp_path / "s", repo=repo, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    row = rows(out / "gradebook.csv")["ada"]
    assert row["status"] == "pass"
    assert "WITHOUT a sandbox" in row["notes"]


def test_the_flags_name_what_reaches_for_the_grader_or_the_machine(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text(
        "import ctypes\nimport sys\nfrom os import fork\nimport importlib\n"
        "sys.modules['x'] = None\nopen('/proc/1/environ')\nimportlib.import_module('gc')\n"
    )
    (app / "honest.py").write_text("from fastapi import FastAPI\napp = FastAPI(title='checks')\n")
    (app / "linked.py").symlink_to(HOSTILE / "grader" / "app" / "main.py")
    found = " ".join(suspicious.flags(tmp_path))
    for what in ("ctypes (app/main.py:1)", "sys.modules", "os.fork", "/proc", "gc ("):
        assert what in found
    assert "the grader" not in found  # the link is not followed


def test_a_forged_result_is_cut_to_the_stage_shape() -> None:
    forged = {
        "status": "pass",
        "passed": 99,
        "requirements": [{"id": r.id, "status": "pass"} for r in FIRST.requirements[:2]]
        + [{"id": "9.9", "status": "pass"}, {"id": FIRST.requirements[2].id, "status": "great"}],
    }
    result = results.sanitized(FIRST, forged)
    assert result["passed"] == 2
    assert [r["id"] for r in result["requirements"]] == [r.id for r in FIRST.requirements]
    assert result["requirements"][2]["status"] == "error"
    assert result["status"] == "fail"


def test_a_learners_formula_never_reaches_a_spreadsheet_as_one() -> None:
    assert gradebook._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert gradebook._cell("SyntaxError") == "SyntaxError"


@needs_sandbox
def test_killing_grade_leaves_no_process_behind(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo")
    submissions = tmp_path / "cohort"
    names = [f"kill-me-{os.getpid()}-{n}" for n in range(2)]
    for name in names:
        shutil.copytree(BROKEN / "loop_at_import", submissions / name)
    needles = (str(submissions), *(f"{sandbox.INSIDE}/{name}" for name in names))
    environment = {**os.environ, "WORKBOOK_STATE_DIR": str(tmp_path / "state")}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbook", "grade", str(submissions), "--stage", FIRST.name],
        cwd=repo, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 90  # a loaded machine: the run compiles its bytecode first
    while time.monotonic() < deadline and len(survivors(*needles[1:])) < 2:
        time.sleep(0.2)
    assert survivors(*needles[1:]), "the sandboxes never started"
    process.kill()
    process.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and survivors(*needles):
        time.sleep(0.1)
    assert survivors(*needles) == []


@needs_sandbox
def test_a_cohort_with_good_bad_broken_hanging_and_empty_submissions(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo")
    cohort = tmp_path / "submissions"
    shutil.copytree(FIRST.solution, cohort / "ada" / "stages" / FIRST.name)  # a repo copy
    shutil.copytree(FIRST.folder, cohort / "bo")  # a stage folder, untouched
    honest_cohort(tmp_path / "honest")
    shutil.move(tmp_path / "honest" / "cleo", cohort / "cleo")
    shutil.copytree(BROKEN / "syntax_error", cohort / "dev")
    shutil.copytree(BROKEN / "loop_at_import", cohort / "emil")
    (cohort / "fay").mkdir()
    out, junit = tmp_path / "grades", tmp_path / "junit.xml"

    completed = run_cli(
        "grade",
        str(cohort),
        "--stage",
        FIRST.name,
        "--out",
        str(out),
        "--timeout",
        "30",
        "--junit",
        str(junit),
        state=tmp_path / "state",
        env={"WORKBOOK_CHECK_TIMEOUT": "2"},
        repo=repo,
        timeout=180,
    )
    assert completed.returncode == 0, completed.stderr
    rows = (out / "gradebook.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert header[:6] == ["learner", "stage", "passed", "total", "status", "error"]
    assert header[6:] == [*(r.id for r in FIRST.requirements), "flags", "notes"]
    book = {row.split(",")[0]: row for row in rows[1:]}
    assert sorted(book) == ["ada", "bo", "cleo", "dev", "emil", "fay"]
    total = len(FIRST.requirements)
    assert f",{total},{total},pass," in book["ada"]
    assert ",0," in book["bo"]
    assert ",fail," in book["bo"]
    assert ",fail," in book["cleo"]
    assert ",fail" in book["cleo"]
    assert ",error," in book["dev"]
    assert "SyntaxError" in book["dev"]
    assert ",error," in book["emil"]
    assert "within 2 s" in book["emil"]
    assert ",error,empty submission" in book["fay"]
    for learner in book:
        assert json.loads((out / f"{learner}.json").read_text())["stage"] == FIRST.name
    suites = ET.parse(junit).getroot().findall("testsuite")
    assert sorted(s.get("name") for s in suites) == sorted(book)


def test_the_notes_say_when_postgresql_was_left_out_and_when_no_sandbox_was_used() -> None:
    on_postgres = next(s for s in STAGES if "postgresql" in s.databases)
    inner = {"notes": ["Not checked on PostgreSQL: WORKBOOK_POSTGRES_URL is not set."]}
    assert cohort._notes(on_postgres, dict(inner), use_sandbox=True) == [cohort.NO_POSTGRES_NOTE]
    assert cohort.NO_SANDBOX_NOTE in cohort._notes(FIRST, {}, use_sandbox=False)
    assert cohort._notes(FIRST, {}, use_sandbox=True) == []


@needs_sandbox
def test_a_stopped_grade_ends_its_sandboxes_and_still_writes_the_gradebook(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo")
    submissions = tmp_path / "cohort"
    names = [f"stop-me-{os.getpid()}-{n}" for n in range(3)]
    for name in names:
        shutil.copytree(BROKEN / "loop_in_handler", submissions / name)
    out = tmp_path / "grades"
    environment = {**os.environ, "WORKBOOK_STATE_DIR": str(tmp_path / "state")}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbook", "grade", str(submissions), "--stage", FIRST.name,
         "--jobs", "2", "--out", str(out)],
        cwd=repo, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    needles = (str(submissions), *(f"{sandbox.INSIDE}/{name}" for name in names))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(survivors(*needles[1:])) < 2:
        time.sleep(0.2)
    process.terminate()
    assert process.wait(timeout=30) == 130
    # A sandbox that was starting when SIGTERM came dies with its parent
    # (--die-with-parent): the kernel delivers that signal a moment later.
    deadline = time.monotonic() + 10
    while survivors(*needles) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert survivors(*needles) == []
    book = rows(out / "gradebook.csv")
    assert sorted(book) == names
    assert any(pool.STOPPED in row["error"] for row in book.values())
