"""Benchmark: grading a cohort of submissions, serially and in parallel.

Builds N submissions of a stage (a mix of solutions, skeletons and mutants) in a
temporary folder, grades them with `workbook grade --jobs 1` and with one job per
core, and prints the time per submission and the speed-up; then once more with
--no-sandbox, for what the sandbox costs. `grade` refuses a grader that differs
from its last commit, so the run uses a committed copy of the workbook. Run by hand:

    python tests/bench/bench_cohort.py --stage 2 --count 100
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.conftest import apply_mutant, copy_repo, mutants  # noqa: E402
from workbook.stages import find  # noqa: E402


def build_cohort(stage_spec: str, count: int, folder: Path) -> None:
    stage = find(stage_spec)
    variants = [m for m in mutants() if m.stage == stage]
    for index in range(count):
        learner = folder / f"learner{index:03d}"
        kind = index % 3
        if kind == 0:
            shutil.copytree(stage.solution, learner)
        elif kind == 1:
            shutil.copytree(stage.folder, learner)
        else:
            apply_mutant(variants[index % len(variants)], learner)


def committed_copy(destination: Path) -> Path:
    repo = copy_repo(destination)
    git = [
        "git",
        "-c",
        "user.name=b",
        "-c",
        "user.email=b@example.com",
        "-c",
        "commit.gpgsign=false",
    ]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "bench"], cwd=repo, check=True)
    return repo


def grade(stage: str, cohort: Path, jobs: int, repo: Path, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "workbook",
            "grade",
            str(cohort),
            "--stage",
            stage,
            "--jobs",
            str(jobs),
            "--out",
            str(cohort.parent / f"grades-{jobs}{'-'.join(extra)}"),
            *extra,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage", default="2")
    parser.add_argument("--count", type=int, default=100)
    arguments = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        cohort = Path(tmp) / "cohort"
        build_cohort(arguments.stage, arguments.count, cohort)
        repo = committed_copy(Path(tmp) / "repo")
        serial = grade(arguments.stage, cohort, 1, repo)
        parallel = grade(arguments.stage, cohort, cores, repo)
        unsandboxed = grade(arguments.stage, cohort, cores, repo, "--no-sandbox")
    n = arguments.count
    print(f"{n} submissions of stage {arguments.stage} on {cores} cores")
    runs = (
        ("serial   (--jobs 1)", serial),
        (f"parallel (--jobs {cores})", parallel),
        (f"parallel, --no-sandbox (--jobs {cores})", unsandboxed),
    )
    for label, seconds in runs:
        print(f"{label}: {seconds:6.1f} s  {seconds / n * 1000:6.0f} ms per submission")
    print(f"speed-up: {serial / parallel:.2f}x")


if __name__ == "__main__":
    main()
