"""The grader fails closed: whatever it cannot classify is an error that names
the check, never a pass."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import STAGES, run_cli
from workbook import paths
from workbook.engine import events
from workbook.engine.classify import _todo_text
from workbook.engine.results import CheckOutcome, requirement_status

FIRST = STAGES[0]

MIDDLEWARE = """

@app.middleware("http")
async def break_health(request, call_next):
    if request.url.path == "/health":
        raise ValueError("broken middleware")
    return await call_next(request)
"""


def test_a_cyclic_exception_chain_is_walked_without_recursion() -> None:
    # Starlette re-raises a middleware's exception through an ExceptionGroup
    # whose context leads back to the exception: a cycle through a group.
    inner = ValueError("broken middleware")
    group = ExceptionGroup("unhandled errors in a TaskGroup", [inner])
    inner.__context__ = group
    assert _todo_text(group) is None
    todo = NotImplementedError("TODO 1.2: write it")
    todo.__context__ = ExceptionGroup("again", [inner, todo])
    inner.__cause__ = todo
    assert _todo_text(group) == "TODO 1.2: write it"


def test_an_exception_in_a_middleware_is_not_all_done(tmp_path: Path) -> None:
    target = tmp_path / "middleware"
    shutil.copytree(FIRST.solution, target, ignore=shutil.ignore_patterns("__pycache__"))
    main = target / "app" / "main.py"
    main.write_text(main.read_text() + MIDDLEWARE)
    report = tmp_path / "result.json"
    completed = run_cli(
        "check", "1", "--target", str(target), "--json", str(report), state=tmp_path / "state"
    )
    assert completed.returncode == 1, completed.stdout
    result = json.loads(report.read_text())
    statuses = {r["id"]: r for r in result["requirements"]}
    assert statuses["1.2"]["status"] == "error"
    assert "ValueError: broken middleware" in statuses["1.2"]["message"]
    assert "All done" not in completed.stdout


def test_an_outcome_the_grader_does_not_know_is_an_error() -> None:
    for line in ({"nodeid": "x"}, {"nodeid": "x", "outcome": "maybe"}):
        event = events.decode({"event": "result", **line})
        assert isinstance(event, events.Result)
        check = CheckOutcome.from_event(event)
        assert check.outcome == "error"
        assert "could not classify" in check.message
        assert requirement_status([check]) == "error"


def _grade_checks(tmp_path: Path, checks: str, conftest: str = "") -> list[dict]:
    """Run a small file of checks under the grader's plugin; its result events."""
    (tmp_path / "test_probe.py").write_text(textwrap.dedent(checks))
    (tmp_path / "conftest.py").write_text(
        "def pytest_addoption(parser):\n    parser.addoption('--target')\n"
        + textwrap.dedent(conftest)
    )
    events = tmp_path / "events.jsonl"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "workbook.engine.pytest_plugin",
            "-p",
            "no:cacheprovider",
            f"--wb-events={events}",
            f"--rootdir={tmp_path}",
            "-c",
            "/dev/null",
            str(tmp_path / "test_probe.py"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PYTHONPATH": str(paths.REPO), "PATH": "/usr/bin:/bin"},
    )
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    return [line for line in lines if line["event"] == "result"]


def test_an_error_inside_the_plugin_is_an_error_naming_the_check(tmp_path: Path) -> None:
    results = _grade_checks(
        tmp_path,
        '''
        class Unprintable(Exception):
            def __str__(self):
                raise RuntimeError("cannot print me")


        def test_raises_the_unprintable():
            """The exception cannot even be printed."""
            raise Unprintable()


        def test_passes():
            """A check that holds."""
        ''',
    )
    by_name = {r["nodeid"].split("::")[-1]: r for r in results}
    broken = by_name["test_raises_the_unprintable"]
    assert broken["outcome"] == "error"
    assert broken["kind"] == "grader"
    assert "The exception cannot even be printed." in broken["message"]
    assert "RuntimeError" in broken["message"]
    assert by_name["test_passes"]["outcome"] == "pass"


def test_a_check_whose_report_breaks_is_an_error_not_a_pass(tmp_path: Path) -> None:
    # Another plugin's report hook breaks: no report says the check passed.
    results = _grade_checks(
        tmp_path,
        '''
        def test_holds():
            """It would pass."""
        ''',
        conftest="""
        import pytest


        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_makereport(item, call):
            if call.when == "call":
                raise RuntimeError("report hook broke")
        """,
    )
    assert results, "the check must still be reported"
    assert all(r["outcome"] == "error" for r in results), results
    assert "test_holds" in results[0]["message"] or "It would pass" in results[0]["message"]
