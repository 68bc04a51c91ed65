"""The stage author's commands: classroom, new-stage, skeletons and lessons.

Each takes the parsed arguments and returns an exit code (workbook/arguments.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from workbook import arguments
from workbook.arguments import EXIT_FAILED, EXIT_OK, UsageError
from workbook.stages import Stage


def cmd_classroom(args: argparse.Namespace) -> int:
    from workbook.authoring import classroom
    from workbook.stages import all_stages

    text = classroom.workflow(all_stages())
    if args.check:
        current = classroom.WORKFLOW.read_text() if classroom.WORKFLOW.exists() else ""
        if current != text:
            print(f"{classroom.WORKFLOW} is out of date: run `python -m workbook classroom`")
            return EXIT_FAILED
        return EXIT_OK
    classroom.WORKFLOW.parent.mkdir(parents=True, exist_ok=True)
    classroom.WORKFLOW.write_text(text)
    print(f"wrote {classroom.WORKFLOW}")
    return EXIT_OK


def cmd_new_stage(args: argparse.Namespace) -> int:
    from workbook import paths
    from workbook.authoring import scaffold

    try:
        stage = scaffold.create(args.number, args.slug, args.title)
    except scaffold.ScaffoldError as error:
        raise UsageError(str(error)) from None
    print(f"Created stage {stage.number}, {stage.title}:")
    for path in scaffold.created_paths(stage):
        print(f"  {paths.shown(path)}/")
    print("It has one example requirement, its check and three mutants; `make test` runs them.")
    print("Next: docs/instructors.md walks through making it a real stage.")
    return EXIT_OK


def _authoring_report(
    args: argparse.Namespace,
    problems: Callable[[Stage], list[str]],
    rewrite: Callable[[Stage], str | None] | None,
    all_clear: str,
) -> int:
    """What an authoring check found in the named stages (default: all), after
    `rewrite` regenerated what it can; exit 1 if anything is out of step."""
    from workbook.stages import all_stages

    stages = [arguments.stage(spec) for spec in args.stages] if args.stages else all_stages()
    found = []
    for stage in stages:
        if not (stage.solution / "app").is_dir():
            continue
        if rewrite is not None and (done := rewrite(stage)):
            print(done)
        found += problems(stage)
    for problem in found:
        print(problem)
    if not found:
        print(all_clear)
    return EXIT_FAILED if found else EXIT_OK


def cmd_skeletons(args: argparse.Namespace) -> int:
    from workbook import paths
    from workbook.authoring import consistency

    def record(stage: Stage) -> str:
        return f"recorded {paths.shown(consistency.record(stage))}"

    return _authoring_report(
        args,
        consistency.problems,
        record if args.record else None,
        "Every skeleton differs from its solution only in TODO regions.",
    )


def cmd_lessons(args: argparse.Namespace) -> int:
    from workbook.authoring import lessons

    def write(stage: Stage) -> str | None:
        if not lessons.write(stage):
            return None
        return f"rewrote stages/{stage.name}/README.md from stage.toml and its examples"

    return _authoring_report(
        args,
        lessons.problems,
        write if args.write else None,
        "Every README is in step with its stage.toml and its examples.",
    )
