"""`python -m workbook …`: the grader and the tools around it.

This module is the parser and the dispatch; each command's body lives with its
audience: workbook/learner/commands.py, workbook/cohort/command.py and
workbook/authoring/commands.py.

Exit codes: 0 when every requirement passes (or the command succeeded), 1 when
some do not, 2 for a usage error (an unknown stage, a missing folder).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from workbook.arguments import EXIT_USAGE, UsageError
from workbook.authoring.commands import cmd_classroom, cmd_lessons, cmd_new_stage, cmd_skeletons
from workbook.cohort.command import cmd_grade
from workbook.learner.commands import (
    cmd_check,
    cmd_hint,
    cmd_passed,
    cmd_progress,
    cmd_reset,
    cmd_run,
    cmd_watch,
)
from workbook.stages import StageError


def _add_grading_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("stage", nargs="?", help="4, 04 or 04_crud (default: the next unfinished)")
    command.add_argument("--target", help="stages (default), solutions, or a folder holding app/")
    command.add_argument("--seed", help="replay the random data of an earlier run")
    command.add_argument("-v", "--verbose", action="store_true", help="show pytest's output too")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m workbook", description=__doc__.split("\n")[0])
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="grade a stage")
    _add_grading_options(check)
    check.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    check.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML")
    check.add_argument("-q", "--quiet", action="store_true", help="no report; only the exit code")
    check.add_argument(
        "--durations", type=int, metavar="N", help="also list the N slowest checks, with CPU time"
    )
    check.add_argument(
        "--docker",
        action="store_true",
        help="stage 10: also build the image and run compose.yaml, where a Docker engine answers",
    )
    check.set_defaults(handler=cmd_check)

    watch = commands.add_parser("watch", help="grade again on every save")
    _add_grading_options(watch)
    watch.add_argument("--poll", action="store_true", help="poll for changes instead of events")
    watch.set_defaults(handler=cmd_watch)

    progress = commands.add_parser("progress", help="every stage at a glance")
    progress.add_argument("--refresh", action="store_true", help="grade every stage again first")
    progress.set_defaults(handler=cmd_progress)

    reset = commands.add_parser("reset", help="put a stage's skeleton back (your files kept)")
    reset.add_argument("stage", nargs="?")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    reset.set_defaults(handler=cmd_reset)

    run = commands.add_parser("run", help="serve a stage's app with reload on port 8000")
    run.add_argument("stage", nargs="?")
    run.add_argument("--target", help="stages (default), solutions, or a folder holding app/")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument(
        "--fresh", action="store_true", help="start with an empty database (.workbook/run/)"
    )
    run.set_defaults(handler=cmd_run)

    hint = commands.add_parser("hint", help="the next hint for a requirement")
    hint.add_argument("stage", nargs="?")
    hint.add_argument("requirement", nargs="?", help="e.g. 4.3 (default: the first unfinished)")
    hint.set_defaults(handler=cmd_hint)

    passed = commands.add_parser("passed", help="exit 0 if a requirement passed its last check")
    passed.add_argument("requirement", help="e.g. 4.3")
    passed.set_defaults(handler=cmd_passed)

    grade = commands.add_parser("grade", help="grade a folder of learner submissions")
    grade.add_argument("submissions", help="a folder with one subfolder per learner")
    grade.add_argument("--stage", required=True, help="the stage to grade")
    grade.add_argument("--out", help="where the gradebook goes (default: SUBMISSIONS/grades-…)")
    grade.add_argument("--jobs", type=int, help="submissions graded at once (default: cores)")
    grade.add_argument("--timeout", type=float, default=60, help="seconds per submission")
    grade.add_argument("--junit", metavar="FILE", help="also write JUnit XML, a suite per learner")
    grade.add_argument(
        "--no-sandbox",
        action="store_true",
        help="grade without bubblewrap (trusted code only; the gradebook records it)",
    )
    grade.set_defaults(handler=cmd_grade)

    classroom = commands.add_parser("classroom", help="write the GitHub Classroom workflow")
    classroom.add_argument("--check", action="store_true", help="only check it is up to date")
    classroom.set_defaults(handler=cmd_classroom)

    new_stage = commands.add_parser("new-stage", help="scaffold a new stage")
    new_stage.add_argument("number", type=int)
    new_stage.add_argument("slug", help="e.g. caching")
    new_stage.add_argument("title", help='e.g. "Caching with Redis"')
    new_stage.set_defaults(handler=cmd_new_stage)

    skeletons = commands.add_parser(
        "skeletons", help="check that each skeleton differs from its solution only at TODOs"
    )
    skeletons.add_argument("stages", nargs="*")
    skeletons.add_argument(
        "--record", action="store_true", help="first record solutions/*/skeleton.patch anew"
    )
    skeletons.set_defaults(handler=cmd_skeletons)
    lessons = commands.add_parser(
        "lessons", help="check that each README matches its stage.toml criteria and examples"
    )
    lessons.add_argument("stages", nargs="*")
    lessons.add_argument(
        "--write", action="store_true", help="first regenerate the acceptance lists and examples"
    )
    lessons.set_defaults(handler=cmd_lessons)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        return arguments.handler(arguments)
    except (UsageError, StageError) as error:
        print(f"workbook: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
