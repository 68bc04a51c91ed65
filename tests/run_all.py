"""`make test` without ARGS: the workbook's own tests as two pytest runs side
by side, the mutants in one, everything
else in the other.

Why: most of a grading waits on a child, a live server or a backend, so one
pytest keeps about 1.2 of two cores busy; two kept 1.5 (CI on 2026-12-02:
16 min of wall time for 24 min of CPU, the rest 931 s, the mutants 668 s
beside it). Moving the requirement-order rebuilds to the mutants' side was
slower (18 min 18 s), and so were three runs (18 min): the cores were full,
and each grading took longer than the time the third run won. The checks that
time something are built for a busy machine (tests/test_timing_under_load.py
grades stages 6 and 7 beside CPU hogs; 8.3 was measured beside three), and a
mutant only has to fail, which a busy machine cannot undo.

The rest runs in this process's terminal as usual; the other run's output is
kept in a file and shown when both are done. The exit code is the first
non-zero one.

With ARGS (`make test ARGS="-k stage_10"`) pytest runs once, as asked.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
# The groups run beside the rest, each a list of test files.
BESIDE = {
    "the mutants": ["tests/test_mutants.py"],
}


def _start(files: list[str], output: IO[str], basetemp: str) -> subprocess.Popen[bytes]:
    # A basetemp of its own: two runs numbering pytest's folders in one place
    # could clean up each other's.
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", *files, f"--basetemp={basetemp}"],
        stdout=output,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )


def main() -> int:
    ignored = [f"--ignore={path}" for files in BESIDE.values() for path in files]
    with ExitStack() as stack:
        runs: dict[str, tuple[subprocess.Popen[bytes], IO[str]]] = {}
        for name, files in BESIDE.items():
            output = stack.enter_context(tempfile.TemporaryFile(mode="w+", encoding="utf-8"))
            basetemp = stack.enter_context(tempfile.TemporaryDirectory(prefix="workbook-tests-"))
            runs[name] = (_start(files, output, basetemp), output)
        try:
            rest = subprocess.run(
                [sys.executable, "-m", "pytest", *ignored], check=False, cwd=ROOT
            ).returncode
            for process, _ in runs.values():
                process.wait()
        finally:
            for process, _ in runs.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()
        codes = {"the rest": rest}
        for name, (process, output) in runs.items():
            output.seek(0)
            print(f"\n===== {name} ({', '.join(BESIDE[name])}), run beside the rest =====")
            sys.stdout.write(output.read())
            codes[name] = process.returncode
    print("\n" + "; ".join(f"{name}: exit {code}" for name, code in codes.items()))
    return next((code for code in codes.values() if code), 0)


if __name__ == "__main__":
    sys.exit(main())
