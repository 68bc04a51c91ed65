"""Run a stage's checks against a target folder, in a child pytest process.

The child is the only process that imports the learner's code. It streams one
JSON line per event (workbook/engine/events.py). If it dies part-way — a check that hangs
and is stopped by the watchdog, an `os._exit()` — the parent marks the check that
was running, leaves it and the rest of its requirement out, and starts the child
again for what is left. A hard cap on the whole stage kills the process group.

This module runs the children to the end; how each is started is
workbook/engine/children.py, and what they reported is kept and added up in
workbook/engine/tally.py.
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
from workbook.engine.children import Shard, Spec, child_environment, file_text, output_tail
from workbook.engine.results import StageResult
from workbook.engine.tally import Tally, assemble
from workbook.stages import Stage

CHECK_TIMEOUT = float(os.environ.get("WORKBOOK_CHECK_TIMEOUT", "10"))
STAGE_TIMEOUT = float(os.environ.get("WORKBOOK_STAGE_TIMEOUT", "120"))


def _default_workers(serves: bool = False) -> int:
    """One child per core (at most 4); one more where checks serve the app
    live, since a check waiting on its server leaves a core idle."""
    configured = os.environ.get("WORKBOOK_WORKERS")
    if configured:
        return max(1, int(configured))
    return max(1, min(os.cpu_count() or 1, 4)) + int(serves)


class _Grading:
    """The run on one database: its children, and what they have reported."""

    def __init__(self, spec: Spec, count: int) -> None:
        self.spec = spec
        self.tally = Tally(spec.timeout, spec.target)
        self.active = [Shard(index, count) for index in range(count)]
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
            self.tally.outputs[shard.index] = output_tail(shard.output)
            self.tally.absorb(child)
            finished = any(isinstance(event, events.Finished) for event in child)
            if out_of_time or finished or self.tally.load_error:
                continue
            if self.tally.died(shard, child) and self._checks_left():
                shard.start(self.spec, deselect=set(self.tally.outcomes))
                self.active.append(shard)
        if self.tally.load_error:
            self.stop()  # the other children will only find the same error

    def _stuck(self, shard: Shard) -> bool:
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
        shard.stopped_stuck = stacks.should_stop(file_text(shard.stacks), self.spec.target, used)
        return shard.stopped_stuck

    def _checks_left(self) -> bool:
        """Whether a new child would find a check to run: with a shared queue,
        once every check has been handed out, the ones still running belong
        to the other children, and starting one more only costs time."""
        queue = self.spec.queue
        if queue is None:
            return True
        return work_queue.taken(queue) < len(self.tally.collected)

    def stop(self) -> None:
        for shard in self.active:
            shard.kill()
        self.active.clear()

    def result(self, out_of_time: bool, stage_timeout: float) -> StageResult:
        tally = self.tally
        for nodeid in tally.collected:
            if out_of_time:
                tally.mark(
                    nodeid,
                    f"not run: the stage's time cap of {stage_timeout:g} s ran out",
                    "timeout",
                )
            else:
                tally.mark(nodeid, "not run: the grader lost track of this check", "grader")
        output = "\n".join(tally.outputs[index] for index in sorted(tally.outputs))
        spec = self.spec
        return assemble(
            spec.stage,
            spec.target,
            tally.collected,
            tally.outcomes,
            tally.load_error,
            spec.seed,
            output,
        )


def shared_queue(workdir: Path, children: int) -> Path | None:
    """The queue `children` children take checks from, or None for one child:
    it needs no queue, and runs pytest's own loop, which knows the next check,
    so fixtures that checks share (stage 10's deployment) are kept between
    them instead of torn down after each. None too where there is no fcntl."""
    if children < 2 or not work_queue.available():
        return None
    return work_queue.create(workdir / "queue")


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
    docker: bool = False,
    first_failure: bool = False,
) -> dict[str, StageResult]:
    """Grade `target` (a folder holding app/) against the stage's checks, on
    each of `databases` at the same time; one result per database."""
    deadline = time.monotonic() + stage_timeout
    preloads.preload()
    for database in databases:
        preloads.preload_modules(preloads.stage_modules(stage, database))
    serves = stage.live_server  # declared in stage.toml
    # Per database: the runs share the machine (one child per submission, for a cohort).
    per_database = workers or _default_workers(serves)
    if stage.workers is not None:
        per_database = min(per_database, stage.workers)
    run_id = secrets.token_hex(4)
    with tempfile.TemporaryDirectory(prefix="workbook-") as tmp, contextlib.ExitStack() as cleanup:
        if "postgresql" in databases:
            cleanup.callback(postgres.sweep, run_id)
        server_spawner = None
        if serves and hasattr(os, "fork"):
            server_spawner = Path(tmp) / "spawner.sock"
            environment = child_environment(run_id)
            cleanup.callback(spawner.stop, spawner.start(server_spawner, environment))
        gradings: dict[str, _Grading] = {}
        # Interrupted (Ctrl-C), the run ends its children too: they have
        # process groups of their own, out of reach of the terminal's signal.
        cleanup.callback(lambda: [grading.stop() for grading in gradings.values()])
        for database in databases:
            workdir = Path(tmp) / database
            workdir.mkdir()
            queue = shared_queue(workdir, per_database)
            spec = Spec(
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
                docker=docker,
                first_failure=first_failure,
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
    if _deploys(stage) and "postgresql" not in results:
        notes.append("Its backends shared one SQLite file (WAL mode) instead.")
    if options.get("docker"):
        notes.append(_docker_note(stage))
    result.notes.extend(notes)
    return result


def _deploys(stage: Stage) -> bool:
    """Whether the stage runs its app as a deployment (stage 10: deploy/)."""
    return (stage.solution / "deploy").is_dir()


def _docker_note(stage: Stage) -> str:
    """What `--docker` did, in the report's words."""
    from workbook.engine.docker import engine_available

    if not _deploys(stage):
        return "--docker: this stage deploys nothing; it was graded as usual."
    if not engine_available():
        return "No Docker engine (`docker info` does not answer): checked natively."
    return "Also built the image and ran compose.yaml with the Docker engine."
