"""`python -m workbook …`: grade a stage, serve it, give hints, make skeletons.

Exit codes: 0 when every requirement passes (or the command succeeded), 1 when
some do not, 2 for a usage error (an unknown stage, a missing folder).
"""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from workbook.stages import Stage, StageError, find

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how the command was called; one line for the user."""


def _stage(spec: str | None) -> Stage:
    if not spec:
        raise UsageError("which stage? e.g. `make check STAGE=1`")
    try:
        return find(spec)
    except StageError as error:
        raise UsageError(str(error)) from None


def cmd_check(args: argparse.Namespace) -> int:
    from workbook import grading, state

    stage = _stage(args.stage)
    try:
        target = grading.resolve_target(stage, args.target)
    except grading.TargetError as error:
        raise UsageError(str(error)) from None
    seed = args.seed or secrets.token_hex(4)

    def load_report() -> None:
        # While the checks run: the report's imports cost nothing then.
        import rich.console  # noqa: F401

        import workbook.report  # noqa: F401

    result = grading.grade(stage, target, seed=seed, while_waiting=load_report)

    from workbook import report

    report.render(result, report.console(), verbose=args.verbose)
    if args.json:
        result.write_json(Path(args.json))
    if target == stage.folder:
        state.save_result(stage.name, result.to_json())
    return EXIT_OK if result.status == "pass" else EXIT_FAILED


def cmd_hint(args: argparse.Namespace) -> int:
    from workbook import hints

    stage = _stage(args.stage)
    return hints.show(stage, args.requirement)


def cmd_run(args: argparse.Namespace) -> int:
    from workbook import grading, serve

    stage = _stage(args.stage)
    try:
        target = grading.resolve_target(stage, args.target)
    except grading.TargetError as error:
        raise UsageError(str(error)) from None
    return serve.serve(stage, target, port=args.port)


def cmd_skeletons(args: argparse.Namespace) -> int:
    from workbook import skeleton_files

    stages = [_stage(spec) for spec in args.stages] if args.stages else None
    return skeleton_files.run(stages, check_only=args.check)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m workbook", description=__doc__.split("\n")[0])
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="grade a stage")
    check.add_argument("stage", nargs="?", help="4, 04 or 04_crud")
    check.add_argument("--target", help="stages (default), solutions, or a folder holding app/")
    check.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    check.add_argument("--seed", help="replay the random data of an earlier run")
    check.add_argument("-v", "--verbose", action="store_true", help="show pytest's own output too")
    check.set_defaults(handler=cmd_check)

    run = commands.add_parser("run", help="serve a stage's app with reload on port 8000")
    run.add_argument("stage", nargs="?")
    run.add_argument("--target", help="stages (default), solutions, or a folder holding app/")
    run.add_argument("--port", type=int, default=8000)
    run.set_defaults(handler=cmd_run)

    hint = commands.add_parser("hint", help="the next hint for a requirement")
    hint.add_argument("stage", nargs="?")
    hint.add_argument("requirement", nargs="?", help="e.g. 4.3 (default: the first unfinished)")
    hint.set_defaults(handler=cmd_hint)

    skeletons = commands.add_parser("skeletons", help="make stages/*/app from solutions/*/app")
    skeletons.add_argument("stages", nargs="*")
    skeletons.add_argument(
        "--check", action="store_true", help="only report skeletons that differ; exit 1 if any"
    )
    skeletons.set_defaults(handler=cmd_skeletons)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        return arguments.handler(arguments)
    except UsageError as error:
        print(f"workbook: {error}", file=sys.stderr)
        return EXIT_USAGE
    except StageError as error:
        print(f"workbook: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
