"""Benchmark: how long grading stage 1 takes when the learner's code hangs
(an endless loop at import, or in a handler), on a quiet machine and with two
CPU-bound processes beside it, and whether the report says where it was stuck.

Run by hand: `python tests/bench/bench_hangs.py [--rounds 2] [--against DIR]`.
`--against` names another checkout of the workbook (`git worktree add DIR
<commit>`): each run of this one is followed by one of that one, so that a
before/after comparison sees the same machine load. It is not a test (timings
depend on the machine); tests/test_broken_code.py holds the limits. The goal
(issue 10): at most the per-check timeout (10 s) plus 3 s in all.
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


def grade(case: str, workdir: Path, repo: Path = REPO) -> tuple[float, str]:
    """Seconds to grade the fixture with the workbook in `repo`, and the
    report's words about the hang."""
    target = workdir / case
    workdir.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        shutil.copytree(BROKEN / case, target)
    report = workdir / f"{case}.json"
    env = {**os.environ, "WORKBOOK_STATE_DIR": str(workdir / "state")}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "workbook", "check", "1", "--target", str(target),
         "--json", str(report)],
        cwd=repo, env=env, capture_output=True, check=False,
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
    parser.add_argument("--against", type=Path, help="another checkout, timed in turns")
    options = parser.parse_args()
    repos = {"this": REPO, **({"against": options.against.resolve()} if options.against else {})}
    with tempfile.TemporaryDirectory() as tmp:
        for label, count in (("quiet", 0), ("two CPU hogs", 2)):
            for case in CASES:
                runs: dict[str, list[tuple[float, str]]] = {name: [] for name in repos}
                with hogs(count):
                    for _ in range(options.rounds):
                        for name, repo in repos.items():
                            runs[name].append(grade(case, Path(tmp) / name, repo))
                for name, done in runs.items():
                    figures = ", ".join(f"{seconds:.1f} s" for seconds, _ in done)
                    print(f"{label:13} {case:16} {name:8} {figures}")
                    print("    " + done[-1][1].replace("\n", "\n    "))


if __name__ == "__main__":
    main()
