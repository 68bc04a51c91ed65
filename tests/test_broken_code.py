"""A learner's broken code gets one clear message from the grader: never a wall
of tracebacks, never a hang, never a "0 passed" that looks like success."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import STAGES, run_cli

BROKEN = Path(__file__).parent / "fixtures" / "broken"
FIRST = STAGES[0]
QUICK = {"WORKBOOK_CHECK_TIMEOUT": "2", "WORKBOOK_STAGE_TIMEOUT": "40"}


def grade(case: str, tmp_path: Path) -> tuple[dict, str, float]:
    """Grade a fixture app (copied, so nothing is written next to the original)."""
    target = tmp_path / case
    shutil.copytree(BROKEN / case, target)
    report = tmp_path / "result.json"
    started = time.monotonic()
    completed = run_cli(
        "check",
        str(FIRST.number),
        "--target",
        str(target),
        "--json",
        str(report),
        state=tmp_path / "state",
        env=QUICK,
    )
    elapsed = time.monotonic() - started
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "Traceback (most recent call last)" not in completed.stdout
    assert len(completed.stdout) < 8_000, "one clear message, not a wall of text"
    return json.loads(report.read_text()), completed.stdout, elapsed


LOAD_ERRORS = {
    "syntax_error": ["SyntaxError", "app/main.py, line 7", "def read_root(:", "^"],
    "import_error": ["no module named 'fastapi_shop_helpers'", "app/main.py, line 2"],
    "no_app": ["no variable named `app`"],
    "not_asgi": ["not a FastAPI application"],
    "raises_at_import": ["KeyError", "'teapot'", "app/main.py, line 5"],
    "sys_exit_at_import": ["sys.exit('configuration missing')", "app/main.py, line 6"],
    "os_exit_at_import": ["exited while importing your app", "exit code 3"],
    "loop_at_import": ["while importing your app within 2 s"],
    "memory_bomb": ["MemoryError", "app/main.py, line 4"],
    "empty_folder": ["There is no empty_folder/app/main.py"],
}


@pytest.mark.parametrize("case", sorted(LOAD_ERRORS))
def test_an_app_that_cannot_load_gets_one_message(case: str, tmp_path: Path) -> None:
    result, stdout, elapsed = grade(case, tmp_path)
    assert result["status"] == "error"
    assert result["passed"] == 0
    for fragment in LOAD_ERRORS[case]:
        assert fragment in result["error"], result["error"]
        assert fragment in stdout
    assert all(r["status"] == "error" for r in result["requirements"])
    assert elapsed < 20


def _requirement_hitting(result: dict, path: str) -> dict:
    return next(r for r in result["requirements"] if path in r["message"])


# Issue 10: a hang is reported within the per-check timeout plus 3 s in all.
# On a machine so loaded that grading an app that fails at once takes longer
# than that (other test runs beside this one), the margin is that time plus 1 s:
# the hang itself costs no more than its timeout.
TIMEOUT = float(QUICK["WORKBOOK_CHECK_TIMEOUT"])


@pytest.fixture
def hang_limit(tmp_path_factory: pytest.TempPathFactory) -> float:
    # Measured right before each hang, so that both see the same load.
    _result, _stdout, ordinary = grade("raises_at_import", tmp_path_factory.mktemp("baseline"))
    return TIMEOUT + max(3.0, ordinary + 1.0)


def test_an_endless_loop_in_a_handler_is_stopped_and_named(
    tmp_path: Path, hang_limit: float
) -> None:
    result, stdout, elapsed = grade("loop_in_handler", tmp_path)
    assert result["status"] == "fail"
    hung = [r for r in result["requirements"] if "nothing came back" in r["message"]]
    assert hung, stdout
    assert any(r["status"] == "fail" for r in result["requirements"])  # the rest were graded
    # The place: the function, the file and the line the watchdog found running.
    message = hung[0]["message"]
    # The loop's two lines (`while True:` and `pass`): the sample lands on either.
    assert re.search(r"stuck in read_health \(\S*app/main\.py, line (8|9): ", message), message
    assert elapsed < hang_limit, f"{elapsed:.1f} s"


def test_an_endless_loop_at_import_is_named_with_its_line_in_seconds(
    tmp_path: Path, hang_limit: float
) -> None:
    result, stdout, elapsed = grade("loop_at_import", tmp_path)
    place = r"stuck in the module \(\S*app/main\.py, line (4|5): "
    assert re.search(place, result["error"]), stdout
    # Every other check stops at once with the same message, none times out on its own.
    assert all(r["status"] == "error" for r in result["requirements"])
    assert elapsed < hang_limit, f"{elapsed:.1f} s"


def test_an_exit_in_a_handler_is_named_and_the_rest_still_graded(tmp_path: Path) -> None:
    result, stdout, _ = grade("exit_in_handler", tmp_path)
    assert result["status"] == "fail"
    assert any(
        "the Python process exited during this check" in r["message"]
        for r in result["requirements"]
    ), stdout
    assert any(r["status"] == "fail" for r in result["requirements"])


def test_a_crash_in_a_handler_points_at_the_line(tmp_path: Path) -> None:
    result, _stdout, _ = grade("crash_in_handler", tmp_path)
    crashed = [r for r in result["requirements"] if r["status"] == "error"]
    assert crashed
    assert "your code raised KeyError" in crashed[0]["message"]
    assert "app/main.py, line 9" in crashed[0]["message"]
    assert "sent: GET /health" in crashed[0]["message"]


def test_a_crash_at_startup_says_so(tmp_path: Path) -> None:
    result, _stdout, _ = grade("crash_in_lifespan", tmp_path)
    assert all(r["status"] == "error" for r in result["requirements"])
    assert "RuntimeError: database unreachable" in result["requirements"][0]["message"]
    assert "starting up" in result["requirements"][0]["message"]


def test_megabytes_of_output_do_not_reach_the_report(tmp_path: Path) -> None:
    _result, stdout, elapsed = grade("prints_megabytes", tmp_path)
    assert "x" * 200 not in stdout
    assert "y" * 200 not in stdout
    assert elapsed < 20


def test_a_learners_pytest_configuration_cannot_change_the_grade(tmp_path: Path) -> None:
    # The folder holds a conftest.py that clears the checks and marks every
    # report passed, a pytest.ini and a pyproject.toml that ask for --co.
    result, _stdout, _ = grade("learner_config", tmp_path)
    assert result["passed"] == 0
    assert all(r["status"] in ("fail", "todo") for r in result["requirements"])
