"""Verdicts do not depend on the seed of the checks' random data.

`make test` grades every solution (tests/test_stages.py) and every mutant
(tests/test_mutants.py) under the five fixed seeds of tests/seeds.py, in one
grading run each: a check that draws random data runs once per seed. This file
tests that machinery, and that no solution's verdict changes with the seed."""

from __future__ import annotations

import pytest

from checks.support.data import FOLDING_PAIRS, LETTERS, RandomData
from tests.conftest import STAGES, need
from tests.seeds import SEEDS, differing, verdicts_by_seed
from tests.test_stages import solution_result
from workbook.engine import grading
from workbook.engine.results import CheckOutcome, RequirementResult, StageResult
from workbook.seeds import SEED_ID, seed_of
from workbook.stages import Stage

FIRST = STAGES[0]


def test_a_check_that_draws_data_runs_once_per_seed_and_the_others_once() -> None:
    result = grading.grade(FIRST, FIRST.solution, only=frozenset({"1.5"}), seeds=SEEDS)
    (requirement,) = [r for r in result.requirements if r.id == "1.5"]
    by_name: dict[str, list[str | None]] = {}
    for check in requirement.checks:
        name = check.nodeid.split("[")[0]
        by_name.setdefault(name, []).append(seed_of(check.nodeid))
    assert by_name, "1.5 has checks"
    for name, seeds in by_name.items():
        # 1.5's checks all draw product names: each ran under every seed.
        assert sorted(seeds) == sorted(SEEDS), name
    assert all(r.status == "pass" for r in result.requirements if r.checks)


def test_without_seeds_each_check_runs_once() -> None:
    result = grading.grade(FIRST, FIRST.solution, only=frozenset({"1.5"}))
    (requirement,) = [r for r in result.requirements if r.id == "1.5"]
    assert requirement.checks
    assert all(SEED_ID not in check.nodeid for check in requirement.checks)


def test_a_check_under_one_of_several_seeds_draws_what_that_seed_alone_draws() -> None:
    # The data fixture names a check without its seed: `--seed 5eed02` replays
    # what the check drew as one of `--wb-seeds …,5eed02,…`.
    from workbook.seeds import SEED_IN_NODEID

    plain = "checks/stage_01/test_products.py::test_create"
    assert SEED_IN_NODEID.sub("", f"{plain}[{SEED_ID}5eed02]").replace("[]", "") == plain
    cased = "checks/stage_02/test_x.py::test_y[name]"
    assert SEED_IN_NODEID.sub("", f"{cased[:-1]}-{SEED_ID}5eed02]") == cased
    assert seed_of(f"{cased[:-1]}-{SEED_ID}5eed02]") == "5eed02"
    assert seed_of(cased) is None


def _result(outcomes: dict[str, str]) -> StageResult:
    requirement = FIRST.requirements[0]
    checks = [CheckOutcome(nodeid, requirement.id, outcome=o) for nodeid, o in outcomes.items()]
    return StageResult(FIRST, FIRST.solution, [RequirementResult(requirement, "fail", checks)])


def test_a_verdict_that_changes_with_the_seed_is_found() -> None:
    rid = FIRST.requirements[0].id
    outcomes = {f"c.py::t[{SEED_ID}{seed}]": "pass" for seed in SEEDS}
    outcomes[f"c.py::t[{SEED_ID}{SEEDS[2]}]"] = "fail"
    outcomes["c.py::u"] = "pass"  # draws no data: counts under every seed
    assert differing(_result(outcomes)) == {
        rid: {seed: "wrong" if seed == SEEDS[2] else "pass" for seed in SEEDS}
    }
    # Failing under every seed (a fail or an error: ✗ both) is one verdict.
    outcomes = {f"c.py::t[{SEED_ID}{seed}]": "fail" for seed in SEEDS}
    outcomes[f"c.py::t[{SEED_ID}{SEEDS[0]}]"] = "error"
    assert differing(_result(outcomes)) == {}
    outcomes = {"c.py::u": "fail", **{f"c.py::t[{SEED_ID}{s}]": "pass" for s in SEEDS}}
    assert {v[rid] for v in verdicts_by_seed(_result(outcomes)).values()} == {"wrong"}


@pytest.mark.parametrize(
    ("stage", "database"),
    # SQLite: the database the solutions are graded on under every seed.
    [(stage, "sqlite") for stage in STAGES],
    ids=lambda value: value.name if isinstance(value, Stage) else value,
)
def test_no_verdict_on_a_solution_depends_on_the_seed(stage: Stage, database: str) -> None:
    need(database)
    # The same grading as tests/test_stages.py's (cached): every seed, one run.
    result = solution_result(stage, database)
    assert result.error is None, result.error
    assert differing(result) == {}


def test_the_data_covers_what_the_readmes_allow() -> None:
    data = RandomData("coverage")
    names = [data.product_name() for _ in range(200)]
    usernames = [data.username() for _ in range(200)]
    emails = [data.email() for _ in range(200)]
    for values, low, high in ((names, 3, 100), (usernames, 3, 32)):
        lengths = {len(value) for value in values}
        assert {low, high} <= lengths
        assert min(lengths) >= low
        assert max(lengths) <= high
        assert any(not value.isascii() for value in values)
        assert any(value != value.lower() for value in values)
        assert any(value != value.upper() for value in values)
    assert len({u.casefold() for u in usernames}) == len(usernames), "unique within a check"
    assert all(not username.isdigit() for username in usernames)
    local_parts = [email.split("@")[0] for email in emails]
    assert {1, 64} <= {len(local) for local in local_parts}
    assert any(not local.isascii() for local in local_parts)
    # Whatever the case a term is given in, casefold() matches it.
    for name in names[:50]:
        term = data.search_term(name)
        assert term.casefold() in name.casefold()
    for word, term in FOLDING_PAIRS:
        assert term.casefold() in word.casefold()
        assert term.lower() not in word.lower()
    for letter in LETTERS:
        assert letter.upper().casefold() == letter.casefold()
        assert not letter.isdigit()
