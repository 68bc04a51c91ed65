"""The report tells one root cause once, under the first requirement it breaks;
"Next:" follows the README's order; ○ only where a TODO was met (issue 10,
items 4 and 7; issue 18, item 5)."""

from __future__ import annotations

import shutil
from pathlib import Path

from rich.console import Console

from workbook.engine import causes
from workbook.engine.results import CheckOutcome, RequirementResult, StageResult, requirement_status
from workbook.learner import report
from workbook.stages import find

STAGE = find("1")
SOLUTION = STAGE.solution
CRASH = (
    "your code raised KeyError: 'welcome' while handling the request\n"
    "app/main.py, line 40:\n    template = TEMPLATES['welcome']"
)


def _result(outcomes: dict[str, list[CheckOutcome]], target: Path = SOLUTION) -> StageResult:
    requirements = [
        RequirementResult(r, requirement_status(outcomes.get(r.id, [_pass(r.id)])), [])
        for r in STAGE.requirements
    ]
    for requirement in requirements:
        requirement.checks = outcomes.get(requirement.id, [_pass(requirement.id)])
    result = StageResult(STAGE, target, requirements)
    causes.diagnose(result)
    return result


def _pass(req: str, name: str = "ok") -> CheckOutcome:
    return CheckOutcome(f"checks/test.py::{name}_{req}", req)


def _problem(req: str, message: str, outcome: str = "fail", **fields: object) -> CheckOutcome:
    return CheckOutcome(f"checks/test.py::t_{req}", req, outcome=outcome, message=message, **fields)


def _shown(result: StageResult) -> str:
    out = Console(record=True, width=120, no_color=True)
    report.render(result, out)
    return out.export_text()


def _by_id(result: StageResult) -> dict[str, RequirementResult]:
    return {requirement.id: requirement for requirement in result.requirements}


def test_one_crash_under_several_requirements_is_told_once_under_the_first() -> None:
    result = _result(
        {req: [_problem(req, CRASH, "error", kind="crash")] for req in ("1.2", "1.3", "1.5")}
    )
    requirements = _by_id(result)
    assert requirements["1.2"].blocked_by is None
    assert requirements["1.3"].blocked_by == "1.2"
    assert requirements["1.5"].blocked_by == "1.2"
    assert requirements["1.2"].also_breaks == ["1.3", "1.5"]
    text = _shown(result)
    assert text.count("your code raised KeyError") == 1
    assert "blocked by 1.2" in requirements["1.5"].message
    assert "The same problem also breaks 1.3, 1.5" in text


def test_a_requirement_with_a_problem_of_its_own_shows_its_own() -> None:
    own = _problem("1.3", "GET /users/7 should answer 200", expected="status 200")
    own.nodeid = "checks/test.py::own_1.3"
    result = _result(
        {
            "1.2": [_problem("1.2", CRASH, "error", kind="crash")],
            "1.3": [_problem("1.3", CRASH, "error", kind="crash"), own],
        }
    )
    requirements = _by_id(result)
    assert requirements["1.3"].blocked_by is None
    assert requirements["1.3"].first_problem is own


def test_a_check_naming_an_earlier_failed_requirement_is_blocked_by_it() -> None:
    result = _result(
        {
            "1.5": [_problem("1.5", "POST /products should answer 201", expected="status 201")],
            "1.6": [_problem("1.6", "creating a product failed (requirement 1.5)")],
        }
    )
    assert _by_id(result)["1.6"].blocked_by == "1.5"
    assert _by_id(result)["1.6"].message.startswith("blocked by 1.5")


def test_next_points_at_the_first_requirement_not_done_in_readme_order() -> None:
    # 1.2 is still to do while 1.5 is wrong: the next step is 1.2.
    todo = _problem("1.2", "TODO 1.2: the health route", "todo")
    wrong = _problem("1.5", "POST /products should answer 201", expected="status 201")
    result = _result({"1.2": [todo], "1.5": [wrong]})
    line = report.next_step(result)
    assert line.startswith("Next: 1.2 — "), line
    assert "Also wrong: 1.5" in line


def test_next_says_fix_when_the_first_open_requirement_is_wrong() -> None:
    wrong = _problem("1.3", "GET /users/7 should answer 200", expected="status 200")
    result = _result({"1.3": [wrong], "1.6": [_problem("1.6", "TODO 1.6: list", "todo")]})
    assert report.next_step(result).startswith("Next: fix 1.3 (details above)")


def test_todo_without_a_todo_left_in_the_code_is_wrong(tmp_path: Path) -> None:
    # The solution has no TODO at all: a check's todo() there is not "to do".
    target = tmp_path / "work"
    shutil.copytree(SOLUTION / "app", target / "app")
    said = _problem("1.8", "no operation has a tag yet", "todo")
    result = _result({"1.8": [said]}, target)
    tagged = _by_id(result)["1.8"]
    assert tagged.status == "fail"
    assert "no `TODO 1.8` left" in tagged.message


def test_todo_is_kept_where_the_todo_is_still_in_the_code(tmp_path: Path) -> None:
    target = tmp_path / "work"
    shutil.copytree(SOLUTION / "app", target / "app")
    main = target / "app" / "main.py"
    main.write_text(main.read_text() + "\n# TODO 1.8: tag every operation\n")
    result = _result({"1.8": [_problem("1.8", "no operation has a tag yet", "todo")]}, target)
    assert _by_id(result)["1.8"].status == "todo"


def test_a_todo_left_in_a_migration_counts_too(tmp_path: Path) -> None:
    # From stage 9 the learner writes Alembic migrations as well as app/.
    target = tmp_path / "work"
    shutil.copytree(SOLUTION / "app", target / "app")
    versions = target / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0002_money.py").write_text('raise NotImplementedError("TODO 1.8: tags")\n')
    result = _result({"1.8": [_problem("1.8", "no operation has a tag yet", "todo")]}, target)
    assert _by_id(result)["1.8"].status == "todo"


def _graded_mutant(name: str, tmp_path: Path) -> StageResult:
    from tests.conftest import apply_mutant, mutants
    from workbook.engine import grading

    mutant = next(m for m in mutants() if m.name == name)
    return grading.grade(mutant.stage, apply_mutant(mutant, tmp_path / name))


def test_awaiting_the_welcome_email_is_told_once_not_under_seven_requirements(
    tmp_path: Path,
) -> None:
    result = _graded_mutant("task_awaited_in_the_route", tmp_path)
    requirements = _by_id(result)
    root = next(r for r in result.requirements if r.status in ("fail", "error"))
    others = [r for r in result.requirements if r.status in ("fail", "error") and r is not root]
    assert others, "the mistake breaks more than one requirement"
    assert all(r.blocked_by == root.id for r in others), {r.id: r.message for r in others}
    text = _shown(result)
    problem = root.first_problem
    assert problem is not None
    assert text.count(problem.message[:40]) == 1  # the start of its first line, never wrapped
    assert requirements[root.id].also_breaks == [r.id for r in others]


def test_a_sender_built_in_the_route_is_not_told_to_use_logger_exception(tmp_path: Path) -> None:
    requirements = _by_id(_graded_mutant("sender_built_in_the_route", tmp_path))
    assert requirements["7.3"].status == "fail"
    assert requirements["7.8"].blocked_by == "7.3", requirements["7.8"].message
    assert "logger.exception" not in requirements["7.8"].message


def test_todo_waiting_for_an_earlier_requirements_todo_stays_to_do(tmp_path: Path) -> None:
    target = tmp_path / "work"
    shutil.copytree(SOLUTION / "app", target / "app")
    main = target / "app" / "main.py"
    main.write_text(main.read_text() + "\n# TODO 1.5: create products\n")
    waiting = _problem("1.6", "there is no product to read yet (requirement 1.5)", "todo")
    result = _result({"1.6": [waiting]}, target)
    assert _by_id(result)["1.6"].status == "todo"
