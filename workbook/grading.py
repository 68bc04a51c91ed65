"""Run a stage's checks against a target folder, in a child pytest process.

The child is the only process that imports the learner's code. It streams one
JSON line per event (workbook/events.py). If it dies part-way — a check that hangs
and is stopped by the watchdog, an `os._exit()` — the parent marks the check that
was running, leaves it and the rest of its requirement out, and starts the child
again for what is left. A hard cap on the whole stage kills the process group.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbook import (
    causes,
    events,
    forking,
    paths,
    postgres,
    preloads,
    spawner,
    stacks,
    work_queue,
)
from workbook.results import CheckOutcome, RequirementResult, StageResult, requirement_status
from workbook.stages import Stage

CHECK_TIMEOUT = float(os.environ.get("WORKBOOK_CHECK_TIMEOUT", "10"))
STAGE_TIMEOUT = float(os.environ.get("WORKBOOK_STAGE_TIMEOUT", "120"))
OUTPUT_TAIL = 30_000  # characters of pytest's own output kept for -v


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


@dataclass(frozen=True, kw_only=True)
class _Spec:
    """What every child of one grading run is given."""

    stage: Stage
    target: Path
    workdir: Path
    seed: str | None
    timeout: float
    verbose: bool
    database: str
    only: frozenset[str]
    # The shared queue the children take checks from; None where there is no
    # such thing (no fcntl), and each child runs a fixed share instead.
    queue: Path | None = None
    # The live-server spawner's socket, for stages whose checks start uvicorn.
    spawner: Path | None = None
    run_id: str = "manual"
    # Run each check that draws random data once per seed (the workbook's own
    # tests: a verdict must not depend on the seed).
    seeds: tuple[str, ...] = ()


def _child_arguments(
    spec: _Spec,
    events: Path,
    basetemp: Path,
    deselect: set[str],
    shard: tuple[int, int],
    stack_file: Path | None = None,
) -> list[str]:
    arguments = [
        "-c",
        str(paths.GRADER_INI),
        "--rootdir",
        str(paths.REPO),
        "--confcutdir",
        str(paths.REPO),
        "-p",
        "workbook.pytest_plugin",
        "-p",
        "pytest_timeout",
        # Enforces pytest-timeout's limits from a C thread, and writes the
        # stacks of a hung check for the report (workbook/watchdog.py).
        "-p",
        "workbook.watchdog",
        *([f"--wb-stacks={stack_file}"] if stack_file else []),
        # "--name=value" in one word: pytest looks for conftest.py files next to
        # every early argument it does not know, and a learner's folder must not
        # be one of them.
        f"--timeout={spec.timeout:g}",
        f"--target={spec.target}",
        f"--wb-events={events}",
        f"--wb-queue={spec.queue}" if spec.queue else f"--wb-shard={shard[0]}/{shard[1]}",
        f"--database={spec.database}",
        f"--wb-only={','.join(sorted(spec.only))}",
        *([f"--wb-spawner={spec.spawner}"] if spec.spawner else []),
        "--basetemp",
        str(basetemp),
        "-q",
        "--no-header",
        "--show-capture=no",
        # pytest's own traceback formatting re-reads FastAPI's sources for
        # every frame (half a second per failing check); the report does not
        # use it, so it is only made for -v.
        "--tb=native" if spec.verbose else "--tb=no",
        "-o",
        "console_output_style=classic",
        str(spec.stage.checks),
    ]
    if spec.seed:
        arguments.append(f"--seed={spec.seed}")
    if spec.seeds:
        arguments.append(f"--wb-seeds={','.join(spec.seeds)}")
    return arguments + [f"--deselect={nodeid}" for nodeid in sorted(deselect)]


# What a child keeps of the grader's environment: what Python, the OS and the
# grader itself need. Anything else (an APP_NAME or DATABASE_URL the learner
# exported in their shell) could change what the app does, so it is dropped;
# each check sets the configuration it means to give.
KEPT_ENVIRONMENT = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "TERM",
    "LANG",
    "LC_",
    "TZ",
    "TMPDIR",
    "TEMP",
    "TMP",
    "VIRTUAL_ENV",
    "PYTHON",
    "WORKBOOK_",
    "CI",
    "NO_COLOR",
    "SSL_CERT_",
    "SYSTEMROOT",
    "WINDIR",
    "COMSPEC",
    "PATHEXT",
    "APPDATA",
    "LOCALAPPDATA",
)


def _child_environment(run_id: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name.startswith(KEPT_ENVIRONMENT)
        and not name.startswith(("PYTHONSTARTUP", "PYTHONDONTWRITEBYTECODE"))
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(paths.REPO), env.get("PYTHONPATH")]))
    # Only the plugins the grader names are loaded: faster, and nothing installed
    # on the machine can change the outcome.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    # Names what the run's checks make outside the process (PostgreSQL roles),
    # so that the grader can clear up after a check that was stopped.
    env[postgres.RUN_ENV] = run_id
    return env


def preload() -> None:
    """Import what every child needs, once, in the parent. Children forked
    afterwards start with it in memory: this halves the time of a check.
    Only third-party code: the learner's app is imported in children alone,
    and pytest plugins given with -p must be imported by pytest itself."""
    import importlib

    import anyio._backends._asyncio
    import anyio.from_thread  # noqa: F401
    import fastapi.testclient  # noqa: F401
    from _pytest.config import default_plugins
    from fastapi import FastAPI

    for name in (*default_plugins, "debugging"):
        importlib.import_module(f"_pytest.{name}")
    # Building one throwaway app runs FastAPI's lazy imports and caches (route
    # compilation, schema generation) here, once, instead of in every child.
    warm = FastAPI()

    @warm.get("/{item_id}")
    def read(item_id: int, q: str | None = None) -> dict[str, int]:
        return {"item_id": item_id}

    warm.openapi()
    # EmailStr loads email-validator (and its DNS and IDNA libraries) on first use.
    with contextlib.suppress(ImportError):
        from pydantic import EmailStr, TypeAdapter

        TypeAdapter(EmailStr).validate_python("warm@example.com")


def _remember_package_versions() -> None:
    """Installed packages do not change while checks run, but pydantic asks for
    email-validator's version each time a model with an EmailStr is built: a
    read of package metadata on every fresh import of the app."""
    import functools
    import importlib.metadata

    cached = functools.cache(importlib.metadata.version)
    importlib.metadata.version = cached
    networks = sys.modules.get("pydantic.networks")
    if networks is not None and hasattr(networks, "version"):
        networks.version = cached


def _fork(arguments: list[str], workdir: Path, output: Path, env: dict[str, str]) -> int:
    """Run pytest in a forked child with its own process group; returns its pid."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # also set here: no race with a kill right after the fork
        return pid
    forking.run_and_exit(lambda: _run_pytest(arguments, workdir, output, env), failure_code=3)


def _run_pytest(arguments: list[str], workdir: Path, output: Path, env: dict[str, str]) -> int:
    os.setpgid(0, 0)
    forking.limit_memory()
    forking.write_output_to(output)
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(paths.REPO))
    # Compiled code (the checks', the learner's) is cached under .workbook/,
    # never next to the source: the learner's folder stays byte for byte as
    # it was, and a fresh import per check need not compile again.
    sys.pycache_prefix = str(paths.PYCACHE)
    sys.dont_write_bytecode = False
    _remember_package_versions()
    import pytest

    return int(pytest.main(arguments))


def _spawn(arguments: list[str], workdir: Path, output: Path, env: dict[str, str]) -> int:
    """Where fork is not available: a fresh interpreter (slower to start)."""
    with open(output, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "pytest", *arguments],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _popen[process.pid] = process
    return process.pid


_popen: dict[int, subprocess.Popen[bytes]] = {}


@dataclass
class _Shard:
    """One child pytest process running a share of the checks."""

    index: int
    count: int
    attempt: int = 0
    pid: int = 0
    events: Path = Path()
    output: Path = Path()
    stacks: Path = Path()
    # The watchdog's samples file: its size at the last look, the size last
    # judged, and whether the parent stopped the child as stuck.
    stack_size: int = -1
    judged: int = -1
    stopped_stuck: bool = False
    cpu_at_judged: float | None = None
    returncode: int | None = None
    finished: bool = False

    def start(self, spec: _Spec, deselect: set[str]) -> None:
        name = f"{self.index}-{self.attempt}"
        self.events = spec.workdir / f"events-{name}.jsonl"
        self.output = spec.workdir / f"output-{name}.txt"
        self.stacks = spec.workdir / f"stacks-{name}.txt"
        arguments = _child_arguments(
            spec,
            self.events,
            spec.workdir / f"tmp-{name}",
            deselect,
            (self.index, self.count),
            self.stacks,
        )
        launch = _fork if hasattr(os, "fork") else _spawn
        self.pid = launch(arguments, spec.workdir, self.output, _child_environment(spec.run_id))
        self.attempt += 1
        self.returncode, self.finished = None, False
        self.stack_size, self.judged, self.stopped_stuck = -1, -1, False
        self.cpu_at_judged = None

    def poll(self) -> bool:
        """True once the child has ended (and is reaped)."""
        if self.pid in _popen:
            code = _popen[self.pid].poll()
            if code is None:
                return False
            del _popen[self.pid]
        else:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == 0:
                return False
            code = os.waitstatus_to_exitcode(status)
        self.returncode, self.finished = code, True
        self.kill()  # whatever the app started outside the process goes too
        return True

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        if not self.finished:
            with contextlib.suppress(ChildProcessError):
                if self.pid in _popen:
                    _popen.pop(self.pid).wait()
                else:
                    os.waitpid(self.pid, 0)
            self.returncode, self.finished = None, True


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _tail(path: Path) -> str:
    if not path.exists():
        return ""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(size - OUTPUT_TAIL, 0))
        text = handle.read().decode("utf-8", "replace")
    return text if size <= OUTPUT_TAIL else f"[… {size - OUTPUT_TAIL} earlier bytes cut]\n{text}"


def _interrupted(child: list[events.Event]) -> tuple[events.Start | None, bool]:
    """The check that was running when the child died, and whether it was
    still importing the app at the time."""
    finished = {e.nodeid for e in child if isinstance(e, events.Result)}
    running: events.Start | None = None
    loading = False
    for event in child:
        if isinstance(event, events.Start) and event.nodeid not in finished:
            running, loading = event, False
        elif isinstance(event, events.Loading) and running and event.nodeid == running.nodeid:
            loading = True
        elif isinstance(event, events.Loaded):
            loading = False
    return running, loading


def _death_message(
    returncode: int | None,
    seconds: float,
    timeout: float,
    loading: bool,
    stuck: stacks.Stuck | None = None,
    target: Path = Path("."),
) -> tuple[str, str]:
    """The kind of death ("timeout" or "exit") and the sentence that tells it.
    `stuck` is what the watchdog's stacks show: only a stack with the learner's
    own line running is called a loop of theirs."""
    where = "while importing your app" if loading else "during this check"
    if stuck is not None:
        limit = f"{max(timeout, round(seconds)):g} s"
        return "timeout", _stuck_message(stuck, where, limit, loading, target)
    if returncode is None or seconds >= timeout - 0.5:
        hint = (
            "a loop at module level, or a call that waits forever (input(), a server "
            "started at import)"
            if loading
            else "an endless loop or a call that waits forever in your handler"
        )
        return "timeout", f"nothing came back {where} within {timeout:g} s: look for {hint}"
    return "exit", (
        f"the Python process exited {where} (exit code {returncode}): "
        "os._exit() or a crash in native code. Apps must never end the process."
    )


def _stuck_message(stuck: stacks.Stuck, where: str, limit: str, loading: bool, target: Path) -> str:
    head = f"nothing came back {where} within {limit}"
    if stuck.learner is not None and stuck.in_learners_code:
        look = (
            "a loop at module level, or a call that waits forever (input(), a server "
            "started at import)"
            if loading
            else "an endless loop, or a call that waits forever"
        )
        place = stacks.shown(stuck.learner, target)
        return f"{head}: your code was stuck in {place}. Look for {look}"
    if stuck.learner is not None and stuck.innermost is not None:
        return (
            f"{head}: your code in {stacks.shown(stuck.learner, target)} was in "
            f"{stacks.shown(stuck.innermost, target)} when it was stopped. Look for a call "
            "that waits forever (a lock that is never released, a request or query without "
            f"a timeout); if there is none, {timing_busy()}"
        )
    waiting = f" (the check was waiting in {stacks.shown(stuck.innermost, target)})"
    return (
        f"this check did not finish within {limit}, but none of your code was running "
        f"when it was stopped{waiting if stuck.innermost else ''}: {timing_busy()}. If it "
        "happens again, it may follow from another problem above"
    )


def timing_busy() -> str:
    return "the machine may be busy: run again"


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
        limit (workbook/stacks.py). A file is judged once its size has held
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
    from workbook.results import merge

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


def _grader_failure(returncode: int | None, output: str) -> str:
    last = "\n".join(output.strip().splitlines()[-12:])
    return (
        f"the grader could not run the checks (pytest exit code {returncode}). "
        f"This is a problem in the workbook, not in your code; its output ends:\n{last}"
    )


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
