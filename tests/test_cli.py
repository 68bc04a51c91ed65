"""The command line as learners, instructors and other tools use it: its exit
codes, its JSON, its usage errors and the hint ladder."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import STAGES, run_cli

FIRST = STAGES[0]


@pytest.mark.parametrize("spec", [str(FIRST.number), f"{FIRST.number:02d}", FIRST.name])
def test_a_stage_can_be_named_by_number_or_folder(spec: str, state: Path) -> None:
    completed = run_cli("check", spec, "--target", "solutions", state=state)
    assert completed.returncode == 0, completed.stdout
    assert f"Stage {FIRST.number} · {FIRST.title}" in completed.stdout


def test_durations_lists_the_slowest_checks_with_their_cpu_time(state: Path) -> None:
    completed = run_cli(
        "check", FIRST.name, "--target", "solutions", "--durations", "3", state=state
    )
    assert completed.returncode == 0, completed.stdout
    listing = completed.stdout.split("Slowest 3 checks", 1)[1].strip().splitlines()[1:]
    assert len(listing) == 3
    seconds = []
    for line in listing:
        match = re.fullmatch(r"\s*(\d+\.\d\d) s  CPU\s+\d+\.\d\d s  (checks/\S+::test_.+)", line)
        assert match, line
        seconds.append(float(match[1]))
    assert seconds == sorted(seconds, reverse=True)


def test_the_json_report_has_the_documented_shape(state: Path, tmp_path: Path) -> None:
    report = tmp_path / "out" / "result.json"
    completed = run_cli("check", FIRST.name, "--json", str(report), state=state)
    assert completed.returncode == 1  # the skeleton: nothing done yet
    result = json.loads(report.read_text())
    assert set(result) == {"stage", "number", "status", "passed", "total", "error", "requirements"}
    assert (result["stage"], result["number"], result["status"]) == (
        FIRST.name,
        FIRST.number,
        "fail",
    )
    assert (result["passed"], result["total"], result["error"]) == (
        0,
        len(FIRST.requirements),
        None,
    )
    assert [r["id"] for r in result["requirements"]] == [r.id for r in FIRST.requirements]
    for requirement in result["requirements"]:
        assert set(requirement) == {"id", "summary", "status", "message", "blocked_by"}
        assert requirement["status"] == "todo"
        assert requirement["message"].strip()  # says what is left to do


def test_a_passing_stage_exits_zero_with_status_pass(state: Path, tmp_path: Path) -> None:
    report = tmp_path / "result.json"
    completed = run_cli(
        "check", FIRST.name, "--target", "solutions", "--json", str(report), state=state
    )
    assert completed.returncode == 0
    result = json.loads(report.read_text())
    assert result["status"] == "pass"
    assert result["passed"] == result["total"] == len(FIRST.requirements)
    assert f"{result['total']}/{result['total']} done" in completed.stdout


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["check", "99"], "no stage '99'"),
        (["check", "nonsense"], "no stage 'nonsense'"),
        (["check", "1", "--target", "/no/such/folder"], "no folder"),
        (["reset"], "which stage?"),
        (["hint", "1", "9.9"], "no requirement '9.9'"),
    ],
)
def test_usage_errors_exit_two_with_one_line(arguments: list[str], says: str, state: Path) -> None:
    completed = run_cli(*arguments, state=state)
    assert completed.returncode == 2
    assert says in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "Traceback" not in completed.stderr


def test_the_report_is_plain_text_when_piped(state: Path) -> None:
    completed = run_cli("check", FIRST.name, state=state)
    assert "\x1b[" not in completed.stdout
    assert "○" in completed.stdout
    assert f"Stage {FIRST.number} · 0/{len(FIRST.requirements)} done" in completed.stdout


def test_verbose_shows_pytests_own_output(state: Path) -> None:
    completed = run_cli("check", FIRST.name, "-v", state=state)
    assert "NotImplementedError" in completed.stdout


def test_a_mistake_shows_what_was_sent_expected_and_got(state: Path, tmp_path: Path) -> None:
    target = tmp_path / "work"
    shutil.copytree(FIRST.solution, target)
    main = target / "app" / "main.py"
    # The learner forgot to make the health check say "ok".
    main.write_text(main.read_text().replace('status="ok"', 'status="fine"'))
    completed = run_cli("check", FIRST.name, "--target", str(target), state=state)
    assert completed.returncode == 1
    out = completed.stdout
    assert "✗" in out
    assert "GET /health" in out
    assert '"status": "ok"' in out or "'ok'" in out
    assert "fine" in out
    assert "hint" in out


def test_hints_climb_the_ladder_one_rung_a_time(state: Path) -> None:
    requirement = FIRST.requirements[0]
    rungs = len(requirement.hints) + 1  # the stage's hints, then the solution
    seen = [run_cli("hint", FIRST.name, requirement.id, state=state) for _ in range(rungs + 1)]
    assert all(completed.returncode == 0 for completed in seen)
    for rung, hint in enumerate(requirement.hints):
        assert hint in seen[rung].stdout
        assert f"Hint {rung + 1} of {rungs}" in seen[rung].stdout
    # Not tried yet: the solution rung stays locked (tests/test_tooling.py unlocks it).
    assert requirement.hints[-1] in seen[-1].stdout
    assert "unlocks once you have tried" in seen[-1].stdout


def test_hint_without_a_requirement_picks_the_first_unfinished(state: Path) -> None:
    run_cli("check", FIRST.name, state=state)  # the skeleton: all to do
    completed = run_cli("hint", FIRST.name, state=state)
    assert f"for {FIRST.requirements[0].id}:" in completed.stdout


def test_a_piped_report_has_no_trailing_spaces(state: Path) -> None:
    completed = run_cli("check", FIRST.name, state=state)  # the skeleton: hints and tables
    lines = completed.stdout.splitlines()
    assert len(lines) > len(FIRST.requirements)
    padded = [line for line in lines if line != line.rstrip()]
    assert not padded, padded[:3]


def test_trimmed_lines_keep_text_split_across_writes() -> None:
    import io

    from workbook.learner.plain_output import TrimmedLines

    out = io.StringIO()
    stream = TrimmedLines(out)
    for part in ("a  ", "b   ", "\n", "   \n", "c   "):
        stream.write(part)
        stream.flush()
    stream.write("d \n")
    assert out.getvalue() == "a  b\n\nc   d\n"


def test_the_readme_quotes_the_line_make_prints_after_a_failed_check() -> None:
    from workbook import paths

    recipe = (paths.REPO / "Makefile").read_text().splitlines().index("check: $(READY)") + 2
    readme = (paths.REPO / "README.md").read_text()
    assert f"make: *** [Makefile:{recipe}: check] Error 1" in readme
