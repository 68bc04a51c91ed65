"""Requirements are independent in the README's order: once 1..k are done, 1..k
pass, whatever is still to do after them. For each stage and each k, the
skeleton with only its first k requirements completed from the solution (the
regions whose TODOs they name) is graded on its newest requirement, and, with
all but the last completed, on all of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import STAGES
from workbook.authoring.completion import completed_up_to
from workbook.authoring.patches import write_files
from workbook.engine import grading
from workbook.stages import Stage

# Where the reconstruction cannot stand for a learner's state, and why. The
# reconstruction takes each region from the solution, which is the stage's end
# state: when a later requirement rewrites the code of an earlier one (a query
# model that replaces the separate parameters of an earlier requirement), the
# earlier requirement's own version is not in the solution to take.
# Each was confirmed by hand: the intermediate state written as a learner would
# (`workbook check N --target DIR`) passes its first k requirements.
_FILTER = "3.5 rewrites 3.2-3.4's separate query parameters of list_products as ProductFilter"
_ROUTES = (
    "the solution's routes take 5.1's RepositoryDep together with 5.4's "
    "dependencies=[unit_of_work] and 5.6's paginator: no route of 5.1 alone"
)
_LIFESPAN = "the solution's lifespan makes 6.1's engine together with 6.2's sessionmaker"
_MEMORY = (
    "6.3 rewrites repository.py from memory to SQL: the line diff pairs its in-memory "
    "classes with unrelated solution code, so 6.2's removal of Savepoint cannot be taken alone"
)
_SQL = (
    "6.9 replaces 6.3's async all() with find() (Records, Paginator, every list route) "
    "and 6.10 the keys dict of Repository: the solution has no repository of 6.3 alone"
)
_SIGNUP = (
    "the solution's create_user takes 7.3's background_tasks, sessions and sender together "
    "with 7.6's audit, and its body lines do not pair with the four TODO comments"
)
_NGINX = (
    "one deploy/nginx.conf serves 10.7, 10.8 and 10.9, and a file that is not Python is "
    "one region: the solution has no nginx.conf of 10.7 alone"
)
UNRECONSTRUCTIBLE: dict[tuple[str, int], str] = {
    ("03_parameters", 2): _FILTER,
    ("03_parameters", 3): _FILTER,
    ("03_parameters", 4): _FILTER,
    **{("05_dependency_injection", k): _ROUTES for k in range(1, 6)},
    ("06_async_db", 1): _LIFESPAN,
    ("06_async_db", 2): _MEMORY,
    **{("06_async_db", k): _SQL for k in range(3, 10)},
    **{("07_background_tasks", k): _SIGNUP for k in range(3, 6)},
    **{("10_deployment", k): _NGINX for k in (7, 8)},
}

PREFIXES = [
    (stage, k) for stage in STAGES for k in range(1, len(stage.requirements))
]  # k = all is the solution itself, tested elsewhere


@pytest.mark.parametrize(
    ("stage", "k"), PREFIXES, ids=[f"{stage.name}-first-{k}" for stage, k in PREFIXES]
)
def test_the_first_k_requirements_pass_without_the_rest(
    stage: Stage, k: int, tmp_path: Path
) -> None:
    if reason := UNRECONSTRUCTIBLE.get((stage.name, k)):
        pytest.skip(reason)
    done = {r.id for r in stage.requirements[:k]}
    target = tmp_path / stage.name
    write_files(target, completed_up_to(stage, done))
    # Each requirement is graded in the state where it is the newest one done,
    # and all of them in the state with every one but the last done: the states
    # in between would grade the same checks again (O(n²) of them), for the rare
    # later region that breaks an earlier requirement until a region after it
    # is done, which the last state still catches.
    newest = frozenset({stage.requirements[k - 1].id})
    graded = frozenset(done) if k == len(stage.requirements) - 1 else newest
    result = grading.grade(stage, target, only=graded)
    assert result.error is None, result.error
    failing = {
        r.id: f"{r.status}: {r.message}"
        for r in result.requirements
        if r.id in graded and r.status != "pass"
    }
    assert failing == {}


def _stage_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, solution: str, skeleton: str
) -> Stage:
    """A one-file stage of two requirements, its trees written under tmp_path."""
    from workbook import paths
    from workbook.stages import Requirement

    for root, text in (("solutions", solution), ("stages", skeleton)):
        write_files(tmp_path / root / "99_toy", {"app/main.py": text})
    monkeypatch.setattr(paths, "SOLUTIONS", tmp_path / "solutions")
    monkeypatch.setattr(paths, "STAGES", tmp_path / "stages")
    requirements = tuple(Requirement(f"99.{n}", f"step {n}", ()) for n in (1, 2))
    return Stage(99, "99_toy", "Toy", "", (), requirements)


def test_completion_keeps_the_skeleton_imports_its_remaining_code_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 99.2 replaces the JSON column by a table: the solution no longer imports JSON.
    solution = "from sqlalchemy import String\n\n\ndef first():\n    return 1\n\n\ntags = String\n"
    skeleton = (
        "from sqlalchemy import JSON, String\n\n\ndef first():\n"
        "    raise NotImplementedError('TODO 99.1')\n\n\ntags = JSON  # TODO 99.2\n"
    )
    stage = _stage_of(tmp_path, monkeypatch, solution, skeleton)
    text = completed_up_to(stage, {"99.1"})["app/main.py"]
    namespace: dict[str, object] = {}
    exec(compile(text, "main.py", "exec"), namespace)  # our own toy module
    assert namespace["tags"] is namespace["JSON"]
    assert "return 1" in text


def test_completion_drops_a_definition_that_its_done_todo_says_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 99.1 removes Savepoint; 99.2 adds Listing, whose lines look like it: a
    # line diff pairs the two, and would hand 99.2's class to 99.1.
    solution = (
        'class Listing:\n    """New in 99.2."""\n\n    products: dict\n    users: dict\n\n\n'
        "def kept():\n    return 2\n"
    )
    skeleton = (
        "class Savepoint:\n    # TODO 99.1: gone\n    products: dict\n    users: dict\n\n\n"
        "def kept():\n    # TODO 99.2: return 2\n    return 0\n"
    )
    stage = _stage_of(tmp_path, monkeypatch, solution, skeleton)
    text = completed_up_to(stage, {"99.1"})["app/main.py"]
    assert "Savepoint" not in text
    assert "Listing" not in text
    assert "return 0" in text
