"""Benchmark: how long grading stage 1 takes when the learner's code hangs
(an endless loop at import, or in a handler), on a quiet machine and with two
CPU-bound processes beside it, and whether the report says where it was stuck.

Run by hand: `python tests/bench/bench_hangs.py [--rounds 2]`. It is not a test
(timings depend on the machine); tests/test_broken_code.py holds the limits.
The goal (issue 10): at most the per-check timeout (10 s) plus 3 s in all.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BROKEN = REPO / "tests" / "fixtures" / "broken"
CASES = ("loop_at_import", "loop_in_handler")
HOG = [sys.executable, "-c", "while True: pass"]


@contextmanager
def hogs(count: int) -> Iterator[None]:
    """`count` CPU-bound processes for as long as the block runs."""
    processes = [subprocess.Popen(HOG) for _ in range(count)]
    try:
        yield
    finally:
        for process in processes:
            process.kill()
            process.wait()


def grade(case: str, workdir: Path) -> tuple[float, str]:
    """Seconds to grade the fixture, and the report's words about the hang."""
    target = workdir / case
    if not target.exists():
        shutil.copytree(BROKEN / case, target)
    report = workdir / f"{case}.json"
    env = {**os.environ, "WORKBOOK_STATE_DIR": str(workdir / "state")}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "workbook", "check", "1", "--target", str(target),
         "--json", str(report)],
        cwd=REPO, env=env, capture_output=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    result = json.loads(report.read_text())
    words = result.get("error") or next(
        (r["message"] for r in result["requirements"] if "nothing came back" in r["message"]), ""
    )
    return seconds, words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for label, count in (("quiet", 0), ("two CPU hogs", 2)):
            for case in CASES:
                with hogs(count):
                    runs = [grade(case, Path(tmp)) for _ in range(options.rounds)]
                figures = ", ".join(f"{seconds:.1f} s" for seconds, _ in runs)
                print(f"{label:13} {case:16} {figures}")
                print("    " + runs[-1][1].replace("\n", "\n    "))


if __name__ == "__main__":
    main()
