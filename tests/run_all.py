"""`make test` without ARGS: the workbook's own tests as two pytest runs side
by side, the mutants in one, everything else in the other.

Why: most of a grading waits on a child, a live server or a backend, so one
pytest keeps about 1.2 of two cores busy; two keep about 1.5 (CI on
2026-12-02: 16 min of wall time for 24 min of CPU). Three runs were tried and
were slower (18 min), and so was moving the requirement-order rebuilds beside
the mutants (18 min 18 s): the cores were full, and every grading took longer.
A mutant only has to fail: a busy machine cannot make it pass. The rest runs
in this process's terminal as usual; the mutants' output is kept in a file
and shown when both are done. The exit code is the first non-zero one.

With ARGS (`make test ARGS="-k stage_10"`) pytest runs once, as asked.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

MUTANTS = "tests/test_mutants.py"


def main() -> int:
    python = [sys.executable, "-m", "pytest"]
    with (
        tempfile.TemporaryFile(mode="w+", encoding="utf-8") as mutants_output,
        tempfile.TemporaryDirectory(prefix="workbook-mutants-") as basetemp,
    ):
        mutants = subprocess.Popen(
            # A basetemp of its own: two runs numbering pytest's folders in one
            # place could clean up each other's.
            [*python, MUTANTS, f"--basetemp={basetemp}"],
            stdout=mutants_output,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[1],
        )
        try:
            rest = subprocess.run([*python, f"--ignore={MUTANTS}"], check=False).returncode
            mutants.wait()
        finally:
            if mutants.poll() is None:
                mutants.kill()
                mutants.wait()
        mutants_output.seek(0)
        print(f"\n===== {MUTANTS}, run beside the rest =====", flush=True)
        sys.stdout.write(mutants_output.read())
    print(f"\nthe rest: exit {rest}; {MUTANTS}: exit {mutants.returncode}")
    return rest or mutants.returncode


if __name__ == "__main__":
    sys.exit(main())
