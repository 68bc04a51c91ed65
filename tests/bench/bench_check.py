"""Benchmark: how long `python -m workbook check N --target solutions` takes,
against the floor of `python -c "import fastapi, pytest"` on the same machine.

Run by hand (`make bench`, or `python tests/bench/bench_check.py 1 2 3`); it is
not a test, since timings depend on the machine. Goal (issue 2): at most 1.6x the
floor, and under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def median_seconds(command: list[str], runs: int) -> float:
    subprocess.run(command, cwd=REPO, capture_output=True, check=False)  # warm the caches
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO, capture_output=True, check=False)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("stages", nargs="*", default=["1", "2", "3"])
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    floor = median_seconds([sys.executable, "-c", "import fastapi, pytest"], arguments.runs)
    print(f"floor  import fastapi, pytest   {floor:6.3f} s")
    for stage in arguments.stages:
        command = [sys.executable, "-m", "workbook", "check", stage, "--target", "solutions"]
        seconds = median_seconds(command, arguments.runs)
        ratio = seconds / floor
        print(f"stage {stage:>2} check --target solutions {seconds:6.3f} s  {ratio:4.2f}x floor")


if __name__ == "__main__":
    main()
