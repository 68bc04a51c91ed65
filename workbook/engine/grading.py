"""Run a stage's checks against a target folder, in a child pytest process.

The child is the only process that imports the learner's code. It streams one
JSON line per event (workbook/engine/events.py). If it dies part-way — a check that hangs
and is stopped by the watchdog, an `os._exit()` — the parent marks the check that
was running, leaves it and the rest of its requirement out, and starts the child
again for what is left. A hard cap on the whole stage kills the process group.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from workbook.engine import causes, events, postgres, preloads, spawner, stacks, work_queue

# The parts of a run, in modules of their own; their names stay importable here.
from workbook.engine.children import _child_environment, _Shard, _Spec, _tail, _text
from workbook.engine.deaths import _death_message, _grader_failure, _interrupted
from workbook.engine.preloads import preload
from workbook.engine.results import CheckOutcome, RequirementResult, StageResult, requirement_status
from workbook.stages import Stage

CHECK_TIMEOUT = float(os.environ.get("WORKBOOK_CHECK_TIMEOUT", "10"))
STAGE_TIMEOUT = float(os.environ.get("WORKBOOK_STAGE_TIMEOUT", "120"))


class TargetError(Exception):
    """The folder to grade does not exist or holds no app/ package."""


def resolve_target(stage: Stage, spec: str | None) -> Path:
    """`stages` (the default), `solutions`, or any folder holding an `app/`
    package, or a copy of the whole workbook."""
    if spec in (None, "", "stages"):
        return stage.folder
    if spec == "solutions":
        return stage.solution
    folder = Path(spec).expanduser().resolve()
    if not folder.is_dir():
        raise TargetError(f"no folder {spec!r} to grade")
    for candidate in (folder, folder / stage.name, folder / "stages" / stage.name):
        if (candidate / "app").is_dir():
            return candidate
    return folder  # graded anyway: the report says that app/main.py is missing


def _default_workers(serves: bool = False) -> int:
    """One child per core (at most 4); one more where checks serve the app
    live, since a check waiting on its server leaves a core idle."""
    configured = os.environ.get("WORKBOOK_WORKERS")
    if configured:
        return max(1, int(configured))
    return max(1, min(os.cpu_count() or 1, 4)) + int(serves)


class _Run:
    """Everything the children of one grading run have reported so far."""

    def __init__(self, check_timeout: float, target: Path = Path(".")) -> None:
        self.check_timeout = check_timeout
        self.target = target
        self.collected: dict[str, events.CollectedCheck] = {}
        self.outcomes: dict[str, CheckOutcome] = {}
        self.load_error: str | None = None
        self.outputs: dict[int, str] = {}

    def absorb(self, child: list[events.Event]) -> None:
        starts: dict[str, events.Start] = {}
        for event in child:
            if isinstance(event, events.Collected):
                self.collected.update({c.nodeid: c for c in event.checks})
            elif isinstance(event, events.Start):
                starts[event.nodeid] = event
            elif isinstance(event, events.Result):
                check = self.collected.get(event.nodeid)
                doc = check.doc if check else ""
                start = starts.get(event.nodeid)
                self.outcomes[event.nodeid] = CheckOutcome.from_event(event, doc, start)
                if event.kind == "load" and self.load_error is None:
                    self.load_error = event.message

    def mark(self, nodeid: str, message: str, kind: str) -> None:
        check = self.collected.get(nodeid)
        self.outcomes.setdefault(
            nodeid,
            CheckOutcome(
                nodeid,
                check.req if check else None,
                check.doc if check else "",
                "error",
                message,
                kind=kind,
            ),
        )

    def died(self, shard: _Shard, child: list[events.Event]) -> bool:
        """Account for a child that ended early; True if it should run again."""
        running, loading = _interrupted(child)
        if running is None:
            # pytest itself could not run: say so rather than grade nothing.
            self.load_error = self.load_error or _grader_failure(
                shard.returncode, self.outputs[shard.index]
            )
            return False
        stuck = (
            stacks.find(stacks.last_sample(_text(shard.stacks)), self.target)
            if shard.stopped_stuck
            else None
        )
        kind, message = _death_message(
            shard.returncode,
            time.time() - running.t,
            self.check_timeout,
            loading,
            stuck,
            self.target,
        )
        if loading:
            self.load_error = self.load_error or message[0].upper() + message[1:] + "."
            return False
        culprit = running.nodeid
        self.mark(culprit, message, kind)
        # Its requirement's other checks would likely hang or exit the same way.
        req = culprit_check.req if (culprit_check := self.collected.get(culprit)) else None
        for nodeid, check in self.collected.items():
            if check.req == req:
                self.mark(
                    nodeid,
                    f"not run: an earlier check of {req} "
                    + ("timed out" if kind == "timeout" else "ended the process"),
                    kind,
                )
        return True


class _Grading:
    """The run on one database: its children, and what they have reported."""

    def __init__(self, spec: _Spec, count: int) -> None:
        self.spec = spec
        self.run = _Run(spec.timeout, spec.target)
        self.active = [_Shard(index, count) for index in range(count)]
        for shard in self.active:
            shard.start(spec, deselect=set())

    def step(self, out_of_time: bool) -> None:
        """Take in the children that have ended; restart one that died early."""
        for shard in list(self.active):
            if out_of_time:
                shard.kill()
            elif not shard.poll():
                if not self._stuck(shard):
                    continue
                shard.kill()
            self.active.remove(shard)
            child = events.read(shard.events)
            self.run.outputs[shard.index] = _tail(shard.output)
            self.run.absorb(child)
            finished = any(isinstance(event, events.Finished) for event in child)
            if out_of_time or finished or self.run.load_error:
                continue
            if self.run.died(shard, child) and self._checks_left():
                shard.start(self.spec, deselect=set(self.run.outcomes))
                self.active.append(shard)
        if self.run.load_error:
            self.stop()  # the other children will only find the same error

    def _stuck(self, shard: _Shard) -> bool:
        """Whether the watchdog's samples show the child's check stuck past its
        limit (workbook/engine/stacks.py). A file is judged once its size has held
        still for a poll, so that its last sample is whole."""
        try:
            size = shard.stacks.stat().st_size
        except OSError:
            return False
        if size != shard.stack_size:
            shard.stack_size = size
            return False
        if size == shard.judged:
            return False
        shard.judged = size
        # The CPU the child used since the last sample: working, or waiting.
        cpu = stacks.cpu_seconds(shard.pid)
        used = None if cpu is None or shard.cpu_at_judged is None else cpu - shard.cpu_at_judged
        shard.cpu_at_judged = cpu
        shard.stopped_stuck = stacks.should_stop(_text(shard.stacks), self.spec.target, used)
        return shard.stopped_stuck

    def _checks_left(self) -> bool:
        """Whether a new child would find a check to run: with a shared queue,
        once every check has been handed out, the ones still running belong
        to the other children, and starting one more only costs time."""
        queue = self.spec.queue
        if queue is None:
            return True
        return work_queue.taken(queue) < len(self.run.collected)

    def stop(self) -> None:
        for shard in self.active:
            shard.kill()
        self.active.clear()

    def result(self, out_of_time: bool, stage_timeout: float) -> StageResult:
        run = self.run
        for nodeid in run.collected:
            if out_of_time:
                run.mark(
                    nodeid,
                    f"not run: the stage's time cap of {stage_timeout:g} s ran out",
                    "timeout",
                )
            else:
                run.mark(nodeid, "not run: the grader lost track of this check", "grader")
        output = "\n".join(run.outputs[index] for index in sorted(run.outputs))
        spec = self.spec
        return _assemble(
            spec.stage, spec.target, run.collected, run.outcomes, run.load_error, spec.seed, output
        )


def grade_on(
    stage: Stage,
    target: Path,
    databases: Sequence[str],
    *,
    seed: str | None = None,
    check_timeout: float = CHECK_TIMEOUT,
    stage_timeout: float = STAGE_TIMEOUT,
    workers: int | None = None,
    while_waiting: Callable[[], None] | None = None,
    verbose: bool = False,
    only: frozenset[str] = frozenset(),
    seeds: Sequence[str] = (),
) -> dict[str, StageResult]:
    """Grade `target` (a folder holding app/) against the stage's checks, on
    each of `databases` at the same time; one result per database."""
    deadline = time.monotonic() + stage_timeout
    preload()
    for database in databases:
        preloads.preload_modules(preloads.stage_modules(stage, database))
    serves = stage.live_server  # declared in stage.toml
    # Per database: the runs share the machine (one child per submission, for a cohort).
    per_database = workers or _default_workers(serves)
    run_id = secrets.token_hex(4)
    with tempfile.TemporaryDirectory(prefix="workbook-") as tmp, contextlib.ExitStack() as cleanup:
        if "postgresql" in databases:
            cleanup.callback(postgres.sweep, run_id)
        server_spawner = None
        if serves and hasattr(os, "fork"):
            server_spawner = Path(tmp) / "spawner.sock"
            environment = _child_environment(run_id)
            cleanup.callback(spawner.stop, spawner.start(server_spawner, environment))
        gradings: dict[str, _Grading] = {}
        # Interrupted (Ctrl-C), the run ends its children too: they have
        # process groups of their own, out of reach of the terminal's signal.
        cleanup.callback(lambda: [grading.stop() for grading in gradings.values()])
        for database in databases:
            workdir = Path(tmp) / database
            workdir.mkdir()
            queue = work_queue.create(workdir / "queue") if work_queue.available() else None
            spec = _Spec(
                stage=stage,
                target=target,
                workdir=workdir,
                seed=seed,
                timeout=check_timeout,
                verbose=verbose,
                database=database,
                only=only,
                queue=queue,
                spawner=server_spawner,
                run_id=run_id,
                seeds=tuple(seeds),
            )
            gradings[database] = _Grading(spec, per_database)
        if while_waiting is not None:
            while_waiting()
        while any(grading.active for grading in gradings.values()):
            out_of_time = time.monotonic() >= deadline
            for grading in gradings.values():
                grading.step(out_of_time)
            time.sleep(0.004)
        out_of_time = time.monotonic() >= deadline
        return {
            database: grading.result(out_of_time, stage_timeout)
            for database, grading in gradings.items()
        }


def grade(stage: Stage, target: Path, *, database: str = "sqlite", **options: Any) -> StageResult:
    """Grade `target` against the stage's checks on one database."""
    return grade_on(stage, target, (database,), **options)[database]


def grade_stage(stage: Stage, target: Path, **options: Any) -> StageResult:
    """Grade on every database the stage names, at once: SQLite, and PostgreSQL
    where a server is configured. A requirement passes only if it passes on all."""
    from workbook.engine.results import merge

    databases, notes = ["sqlite"], []
    if "postgresql" in stage.databases:
        reason = postgres.unavailable()
        if reason is None:
            databases.append("postgresql")
        else:
            notes.append(f"Not checked on PostgreSQL: {reason}.")
    results = grade_on(stage, target, databases, **options)
    result = results["sqlite"]
    if "postgresql" in results and result.error is None:
        result = merge(result, results["postgresql"], "PostgreSQL")
        causes.diagnose(result)
        notes.append("Checked on SQLite and on PostgreSQL.")
    result.notes.extend(notes)
    return result


def _assemble(
    stage: Stage,
    target: Path,
    collected: dict[str, events.CollectedCheck],
    outcomes: dict[str, CheckOutcome],
    load_error: str | None,
    seed: str | None,
    output: str,
) -> StageResult:
    # In the order the checks are written, so the report shows the first
    # problem a learner would meet reading the checks top to bottom.
    order = {nodeid: index for index, nodeid in enumerate(collected)}
    in_order = sorted(outcomes.values(), key=lambda o: order.get(o.nodeid, len(order)))
    results = []
    for requirement in stage.requirements:
        checks = [o for o in in_order if o.req == requirement.id]
        status = "error" if load_error is not None else requirement_status(checks)
        results.append(RequirementResult(requirement, status, checks))
    known = {r.id for r in stage.requirements}
    strays = sorted({c.req or "none" for c in collected.values()} - known)
    error = load_error
    if strays and error is None:
        error = f"checks name requirements that stage.toml does not have: {', '.join(strays)}"
    result = StageResult(stage, target, results, error=error, seed=seed, output=output)
    causes.diagnose(result)
    return result
