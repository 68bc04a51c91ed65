"""The learner's commands: check, watch, progress, reset, hint, passed and run.

Each takes the parsed arguments and returns an exit code (workbook/arguments.py).
The heavy imports stay inside the commands, so that `--help` and a usage error
cost nothing.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

from workbook import arguments
from workbook.arguments import EXIT_FAILED, EXIT_OK, UsageError
from workbook.stages import Stage, StageError


def grade_and_report(stage: Stage, target: Path, args: argparse.Namespace) -> int:
    """Grade, print the report, and keep or write the results as asked."""
    from workbook.engine import grading
    from workbook.learner import state

    seed = getattr(args, "seed", None) or secrets.token_hex(4)
    modified: list[str] = []

    def meanwhile() -> None:
        # While the checks run: the report's imports and the git call cost
        # nothing then.
        import rich.console  # noqa: F401

        import workbook.learner.report  # noqa: F401
        from workbook.cohort.integrity import modified_checks

        modified.extend(modified_checks(stage))

    result = grading.grade_stage(
        stage,
        target,
        seed=seed,
        while_waiting=meanwhile,
        verbose=args.verbose,
        docker=getattr(args, "docker", False),
    )
    from workbook.learner import report

    if not args.quiet:
        report.render(result, report.console(), verbose=args.verbose, modified=modified)
        if getattr(args, "durations", None):
            report.render_durations(result, report.console(), args.durations)
    payload = result.to_json()
    if args.json:
        result.write_json(Path(args.json))
    if getattr(args, "junit", None):
        from workbook.learner import junit

        junit.write([(stage.name, payload)], Path(args.junit))
    if target == stage.folder:
        state.save_result(stage.name, payload)
        state.record_attempts(stage.name, payload)
    return EXIT_OK if result.status == "pass" else EXIT_FAILED


def cmd_check(args: argparse.Namespace) -> int:
    stage = arguments.stage_to_check(args.stage)
    return grade_and_report(stage, arguments.target(stage, args.target), args)


def cmd_watch(args: argparse.Namespace) -> int:
    from workbook.learner import report, watch

    stage = arguments.stage_to_check(args.stage)
    target = arguments.target(stage, args.target)
    args.json = args.junit = None
    args.quiet = False
    return watch.watch(
        target, lambda: grade_and_report(stage, target, args), report.console(), poll=args.poll
    )


def cmd_progress(args: argparse.Namespace) -> int:
    from workbook.learner import progress, report

    return progress.show(report.console(), do_refresh=args.refresh)


def cmd_reset(args: argparse.Namespace) -> int:
    from workbook import paths
    from workbook.learner import reset

    stage = arguments.stage(args.stage)
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"reset replaces stages/{stage.name}/app; add --yes to confirm "
                f"(`make reset STAGE={stage.number} ARGS=--yes`)"
            )
        answer = input(
            f"Reset stage {stage.number} to its skeleton? Your current files are "
            "copied aside first. Type yes to go on: "
        )
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing changed.")
            return EXIT_FAILED
    try:
        kept = reset.reset(stage)
    except reset.ResetError as error:
        print(f"workbook: reset: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Stage {stage.number} is back to its skeleton.")
    print(f"Your previous files are in {paths.shown(kept)}/app")
    return EXIT_OK


def cmd_hint(args: argparse.Namespace) -> int:
    from workbook.learner import hints

    stage = arguments.stage_to_check(args.stage)
    try:
        return hints.show(stage, args.requirement)
    except StageError as error:
        raise UsageError(str(error)) from None


def cmd_passed(args: argparse.Namespace) -> int:
    """Did requirement N.k pass in the last check of its stage? (for CI steps)"""
    from workbook.learner import state

    stage = arguments.stage(args.requirement.split(".")[0])
    try:
        stage.requirement(args.requirement)
    except StageError as error:
        raise UsageError(str(error)) from None
    statuses = {r["id"]: r for r in (state.last_result(stage.name) or {}).get("requirements", [])}
    found = statuses.get(args.requirement)
    if found is None:
        print(f"{args.requirement}: not checked yet (run `make check STAGE={stage.number}`)")
        return EXIT_FAILED
    print(f"{args.requirement}: {found['status']}")
    if found["status"] != "pass" and found["message"]:
        print(found["message"])
    return EXIT_OK if found["status"] == "pass" else EXIT_FAILED


def cmd_run(args: argparse.Namespace) -> int:
    from workbook.learner import serve

    stage = arguments.stage_to_check(args.stage)
    return serve.serve(
        stage, arguments.target(stage, args.target), port=args.port, fresh=args.fresh
    )
