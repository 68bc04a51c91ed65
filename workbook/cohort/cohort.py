"""Grade a folder of learner submissions, several at once, into one row each.

Each subfolder is one learner's copy of the workbook (or of the stage folder).
Every submission is graded by a plain subprocess of its own, inside a
bubblewrap sandbox (see workbook/cohort/sandbox.py), several at once; its result comes
back over the subprocess's stdout, a pipe only this process holds. A
submission that is empty, crashes, hangs or breaks a limit gets a row saying
so, and costs nothing but its own row. The gradebook and the JSON files are
written once every sandbox is gone.

This module takes the submissions in turn and gives each its row; the
sandboxes running at once are workbook/cohort/pool.py, what one sent back
becomes a result in workbook/cohort/results.py, and the gradebook is written
by workbook/cohort/gradebook.py.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.cohort import sandbox, suspicious
from workbook.cohort.pool import STOPPED, Pool
from workbook.cohort.results import failed, result_of
from workbook.stages import Stage
from workbook.targets import resolve_target

SUBMISSION_CAP = float(os.environ.get("WORKBOOK_SUBMISSION_TIMEOUT", "60"))
NO_SANDBOX_NOTE = "graded WITHOUT a sandbox (--no-sandbox): its code could reach the machine"
NO_POSTGRES_NOTE = (
    "Not checked on PostgreSQL: the sandbox has no network to reach the server "
    "(graded on SQLite only)."
)


class NoSandboxError(Exception):
    """Untrusted code and no sandbox: the run is refused."""


@dataclass
class Graded:
    learner: str
    result: dict[str, Any]  # the JSON shape of `workbook check --json`
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stopped: bool = False


def submissions(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
    )


def _notes(stage: Stage, result: dict[str, Any], use_sandbox: bool) -> list[str]:
    notes = list(result.pop("notes", []))
    if use_sandbox and "postgresql" in stage.databases:
        notes = [n for n in notes if not n.startswith("Not checked on PostgreSQL")]
        notes.append(NO_POSTGRES_NOTE)
    if not use_sandbox:
        notes.append(NO_SANDBOX_NOTE)
    return notes


class _StopError(Exception):
    """SIGTERM or SIGHUP: stop grading, clear up, write what is done."""


def _raise_stop(signum: int, frame: Any) -> None:
    raise _StopError


def grade_all(
    stage: Stage,
    folder: Path,
    *,
    jobs: int,
    cap: float,
    use_sandbox: bool = True,
    on_done: Callable[[Graded], None] | None = None,
) -> list[Graded]:
    """Grade every submission in `folder`; `on_done(graded)` after each one.
    Stopped (Ctrl-C, SIGTERM), it ends every sandbox and gives the submissions
    not yet graded a row that says so."""
    if use_sandbox and (reason := sandbox.unavailable()):
        raise NoSandboxError(reason)
    learners = submissions(folder)
    graded: dict[str, Graded] = {}
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    with tempfile.TemporaryDirectory(prefix="workbook-grade-") as scratch:
        pool = Pool(stage, cap, use_sandbox, Path(scratch))
        queue = list(learners)
        try:
            for kind in previous:
                signal.signal(kind, _raise_stop)
            last_watch = 0.0
            while queue or pool.running:
                while queue and len(pool.running) < max(1, jobs):
                    path = queue.pop(0)
                    target = resolve_target(stage, str(path))
                    if not (target / "app").is_dir():
                        item = Graded(
                            path.name,
                            failed(stage, "empty submission: no app/ package for this stage"),
                        )
                        graded[path.name] = item
                        if on_done is not None:
                            on_done(item)
                        continue
                    pool.start(path.name, target)
                pool.pump(0.05)
                if time.monotonic() - last_watch > 0.2:
                    pool.watch()
                    pool.drain()
                    last_watch = time.monotonic()
                for running in pool.finished():
                    result = result_of(stage, running)
                    item = Graded(running.learner, result)
                    graded[running.learner] = item
                    if on_done is not None:
                        on_done(item)
        except (KeyboardInterrupt, _StopError):
            pool.stop_all()
            for path in learners:
                if path.name not in graded:
                    graded[path.name] = Graded(path.name, failed(stage, STOPPED), stopped=True)
        finally:
            pool.stop_all()
            for kind, handler in previous.items():
                signal.signal(kind, handler)
    for path in learners:
        item = graded[path.name]
        item.flags = suspicious.flags(resolve_target(stage, str(path)))
        item.notes = _notes(stage, item.result, use_sandbox)
    return [graded[path.name] for path in learners]
