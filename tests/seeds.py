"""The fixed seeds the workbook's own tests grade under, and each seed's verdicts.

`grading.grade(..., seeds=SEEDS)` runs every check that draws random data once
per seed within one grading run (`--wb-seeds`), the other checks once; a
verdict that changes with the seed is a check whose randomness can miss a
mistake, or a correct answer it can refuse.
"""

from __future__ import annotations

from workbook.engine.results import StageResult, requirement_status
from workbook.seeds import seed_of

# Fixed, so that CI repeats itself; five, as issue 18 asks.
SEEDS = ("5eed01", "5eed02", "5eed03", "5eed04", "5eed05")


def verdict(status: str) -> str:
    """A learner sees ✗ for both a failure and an error: one verdict."""
    return "wrong" if status in ("fail", "error") else status


def verdicts_by_seed(
    result: StageResult, seeds: tuple[str, ...] = SEEDS
) -> dict[str, dict[str, str]]:
    """{seed: {requirement: verdict}}, each requirement judged on the checks that
    ran under that seed and the checks that draw no random data."""
    by_seed: dict[str, dict[str, str]] = {}
    for seed in seeds:
        by_seed[seed] = {}
        for requirement in result.requirements:
            checks = [c for c in requirement.checks if seed_of(c.nodeid) in (None, seed)]
            if requirement.checks:
                by_seed[seed][requirement.id] = verdict(requirement_status(checks))
    return by_seed


def differing(result: StageResult, seeds: tuple[str, ...] = SEEDS) -> dict[str, dict[str, str]]:
    """{requirement: {seed: verdict}} for each requirement whose verdict depends on the seed."""
    by_seed = verdicts_by_seed(result, seeds)
    ids = {rid for verdicts in by_seed.values() for rid in verdicts}
    return {
        rid: {seed: by_seed[seed].get(rid, "absent") for seed in seeds}
        for rid in sorted(ids)
        if len({by_seed[seed].get(rid) for seed in seeds}) > 1
    }
