"""Benchmark: how long `python -m workbook check N --target solutions` takes,
against the floor of `python -c "import fastapi, pytest"` on the same machine.

Run by hand (`make bench`, or `python tests/bench/bench_check.py 1 2 3`); it is
not a test, since timings depend on the machine. Goals: stages 1-3 at most 1.6x
the floor and under 2 s (issue 2); stages 6-7 within 3x (issue 4).

The floor and the stages are timed in turns, round after round, and each
stage's ratio is taken within its round: on a shared machine whose speed drifts
from one minute to the next, a ratio of neighbouring runs holds still where
two medians taken minutes apart do not. CPU time counts the grader and the
children it waits for (not the live servers, which the kernel reaps).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FLOOR = [sys.executable, "-c", "import fastapi, pytest"]


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("stages", nargs="*", default=["1", "2", "3"])
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    commands = {
        stage: [sys.executable, "-m", "workbook", "check", stage, "--target", "solutions"]
        for stage in arguments.stages
    }
    for command in [FLOOR, *commands.values()]:
        subprocess.run(command, cwd=REPO, capture_output=True, check=False)  # warm the caches
    floors: list[float] = []
    walls: dict[str, list[float]] = {stage: [] for stage in commands}
    cpus: dict[str, list[float]] = {stage: [] for stage in commands}
    ratios: dict[str, list[float]] = {stage: [] for stage in commands}
    for _ in range(arguments.runs):
        floor, _cpu = timed(FLOOR)
        floors.append(floor)
        for stage, command in commands.items():
            wall, cpu = timed(command)
            walls[stage].append(wall)
            cpus[stage].append(cpu)
            ratios[stage].append(wall / floor)
    print(f"{os.cpu_count()} cores; median of {arguments.runs} rounds")
    print(f"floor  import fastapi, pytest   {statistics.median(floors):6.3f} s")
    for stage in commands:
        print(
            f"stage {stage:>2} check --target solutions {statistics.median(walls[stage]):6.3f} s"
            f"  {statistics.median(ratios[stage]):4.2f}x floor"
            f"  (CPU {statistics.median(cpus[stage]):5.2f} s)"
        )


if __name__ == "__main__":
    main()
