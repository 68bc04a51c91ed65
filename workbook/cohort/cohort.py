"""`workbook grade`: grade a folder of learner submissions into one gradebook.

Each subfolder is one learner's copy of the workbook (or of the stage folder).
Every submission is graded by a plain subprocess of its own, inside a
bubblewrap sandbox (see workbook/cohort/sandbox.py), several at once; its result comes
back over the subprocess's stdout, a pipe only this process holds. A
submission that is empty, crashes, hangs or breaks a limit gets a row saying
so, and costs nothing but its own row. The gradebook and the JSON files are
written once every sandbox is gone.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import selectors
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.cohort import sandbox, suspicious
from workbook.engine import grading
from workbook.stages import Stage

SUBMISSION_CAP = float(os.environ.get("WORKBOOK_SUBMISSION_TIMEOUT", "60"))
STARTUP_GRACE = 15.0  # seconds a sandbox may take beyond the cap to start and report
RESULT_LIMIT = 8 * 1024 * 1024  # bytes of result a submission may send back
STDERR_TAIL = 8000
STATUSES = {"pass", "fail", "todo", "error"}
STOPPED = "not graded: the grading run was stopped"
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


def _failed(stage: Stage, message: str) -> dict[str, Any]:
    return {
        "stage": stage.name,
        "number": stage.number,
        "status": "error",
        "passed": 0,
        "total": len(stage.requirements),
        "error": message,
        "requirements": [
            {"id": r.id, "summary": r.summary, "status": "error", "message": message}
            for r in stage.requirements
        ],
    }


def _text(value: Any, limit: int = 4000) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def sanitized(stage: Stage, raw: Any) -> dict[str, Any]:
    """What a sandbox sent back, in the stage's own shape: its requirements,
    known statuses, a score counted here. A submission can still claim its own
    checks passed (see docs/instructors.md), but nothing more."""
    if not isinstance(raw, dict) or not isinstance(raw.get("requirements"), list):
        return _failed(stage, "the grader inside the sandbox sent back no readable result")
    sent = {r.get("id"): r for r in raw["requirements"] if isinstance(r, dict)}
    requirements = []
    for requirement in stage.requirements:
        item = sent.get(requirement.id, {})
        status = item.get("status") if item.get("status") in STATUSES else "error"
        requirements.append(
            {
                "id": requirement.id,
                "summary": requirement.summary,
                "status": status,
                "message": _text(item.get("message")) or "",
            }
        )
    statuses = [r["status"] for r in requirements]
    error = _text(raw.get("error"))
    overall = "pass" if all(s == "pass" for s in statuses) else "fail"
    if error is not None or (statuses and all(s == "error" for s in statuses)):
        overall = "error" if error is not None or raw.get("status") == "error" else overall
    notes = [n for n in (_text(n, 300) for n in raw.get("notes") or []) if n]
    return {
        "stage": stage.name,
        "number": stage.number,
        "status": overall,
        "passed": statuses.count("pass"),
        "total": len(requirements),
        "error": error,
        "requirements": requirements,
        "notes": notes,
    }


def submissions(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
    )


# One running submission --------------------------------------------------------


@dataclass
class _Running:
    learner: str
    process: subprocess.Popen[bytes]
    deadline: float
    sandboxed: bool
    out: bytearray = field(default_factory=bytearray)
    err: bytearray = field(default_factory=bytearray)
    open_pipes: int = 2
    namespace: str | None = None
    # Held open so that the namespace, and the name above, stay this sandbox's
    # until it is cleared up: a freed namespace's name is given to the next one.
    namespace_fd: int | None = None
    stopped: str | None = None  # why the watchdog ended it

    def kill(self, why: str | None = None) -> None:
        if self.stopped is None:
            self.stopped = why
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if self.sandboxed:
                # The sandbox's first process gets SIGKILL with its parent
                # (--die-with-parent), and its pid namespace with it.
                os.kill(self.process.pid, signal.SIGKILL)
            else:
                os.killpg(self.process.pid, signal.SIGKILL)


class _Pool:
    """Up to `jobs` sandboxes at once, and the watchdog over them."""

    def __init__(self, stage: Stage, cap: float, use_sandbox: bool, scratch: Path) -> None:
        self.stage, self.cap, self.use_sandbox, self.scratch = stage, cap, use_sandbox, scratch
        self.selector = selectors.DefaultSelector()
        self.running: list[_Running] = []
        self.draining: list[_Running] = []  # ended, their namespace not yet empty
        self.bwrap = sandbox.binary() if use_sandbox else None
        self.bytecode = scratch / "pycache"
        sandbox.warm(stage.name, self.bytecode)

    def start(self, learner: str, target: Path) -> None:
        inner: list[str]
        if self.use_sandbox:
            assert self.bwrap is not None
            inside = sandbox.INSIDE / target.name
            inner = sandbox.grader_command(self.stage.name, self.cap, inside)
            argv = sandbox.command(self.bwrap, target, inner, bytecode=self.bytecode)
            env = sandbox.environment()
        else:
            private = Path(tempfile.mkdtemp(prefix=f"{learner[:20]}-", dir=self.scratch))
            (private / "home").mkdir()
            # Trusted work: the run's bytecode cache is shared, and writable.
            argv = sandbox.grader_command(
                self.stage.name, self.cap, target, pycache=str(self.bytecode)
            )
            env = sandbox.environment(home=str(private / "home"), state=str(self.scratch))
            env["TMPDIR"] = str(private)
            for name in ("WORKBOOK_POSTGRES_URL",):  # trusted work: as `check` has it
                if name in os.environ:
                    env[name] = os.environ[name]
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=self.scratch,
            preexec_fn=sandbox.limiter(self.cap + STARTUP_GRACE),
            start_new_session=True,
        )
        running = _Running(
            learner, process, time.monotonic() + self.cap + STARTUP_GRACE, self.use_sandbox
        )
        for pipe in (process.stdout, process.stderr):
            assert pipe is not None
            os.set_blocking(pipe.fileno(), False)
            self.selector.register(pipe, selectors.EVENT_READ, running)
        self.running.append(running)

    def pump(self, timeout: float) -> None:
        """Read what the sandboxes sent, for at most `timeout` seconds."""
        if not self.running:
            return
        for key, _ in self.selector.select(timeout):
            running: _Running = key.data
            pipe = key.fileobj
            try:
                chunk = os.read(pipe.fileno(), 65536)  # type: ignore[union-attr]
            except BlockingIOError:
                continue
            if not chunk:
                self.selector.unregister(pipe)
                running.open_pipes -= 1
                continue
            if pipe is running.process.stdout:
                if len(running.out) + len(chunk) > RESULT_LIMIT:
                    running.kill(f"it sent back more than {RESULT_LIMIT // 1024 // 1024} MiB")
                else:
                    running.out += chunk
            else:
                running.err = (running.err + chunk)[-STDERR_TAIL:]

    def watch(self) -> None:
        """Stop any sandbox past its time, memory or process caps."""
        table = sandbox.processes()
        now = time.monotonic()
        for running in self.running:
            tree = sandbox.descendants(running.process.pid, table)
            if running.sandboxed and running.namespace is None:
                mine = sandbox.pid_namespace(os.getpid())
                for process in tree:
                    held = sandbox.hold_namespace(process.pid)
                    if held is None:
                        continue
                    fd, namespace = held
                    if namespace != mine:
                        running.namespace, running.namespace_fd = namespace, fd
                        break
                    os.close(fd)
            reason = sandbox.over_limits(tree)
            if reason is None and now > running.deadline:
                reason = f"it was still running at its cap of {self.cap:g} s"
            if reason is not None:
                running.kill(reason)

    def finished(self) -> list[_Running]:
        done = [r for r in self.running if r.open_pipes == 0 and r.process.poll() is not None]
        for running in [r for r in self.running if r.stopped and r not in done]:
            if running.process.poll() is not None:
                self._close(running)
                done.append(running)
        for running in done:
            self.running.remove(running)
            self._gone(running)
        return done

    def _close(self, running: _Running) -> None:
        for pipe in (running.process.stdout, running.process.stderr):
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(pipe)
            with contextlib.suppress(OSError):
                pipe.close()  # type: ignore[union-attr]
        running.open_pipes = 0

    def _gone(self, running: _Running) -> None:
        """The sandbox's first process has ended; what is left of it is ending
        too (the kernel ends a pid namespace with its first process). Its slot
        is free at once; `drain` makes sure of the rest."""
        running.process.wait()
        self._close(running)
        if not running.sandboxed:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(running.process.pid, signal.SIGKILL)
            return
        if running.namespace is not None and running.namespace_fd is not None:
            self.draining.append(running)

    def drain(self, wait: bool = False) -> None:
        """Forget the sandboxes with no process left; with `wait`, until none is
        left at all (at most 10 s each: the kernel is ending them)."""
        deadline = time.monotonic() + 10
        while self.draining:
            for running in list(self.draining):
                assert running.namespace is not None
                assert running.namespace_fd is not None
                left = sandbox.alive_in(running.namespace)
                for pid in left:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
                if not left or time.monotonic() > deadline:
                    os.close(running.namespace_fd)
                    running.namespace_fd = None
                    self.draining.remove(running)
            if not wait:
                return
            time.sleep(0.02)

    def stop_all(self) -> None:
        for running in self.running:
            running.kill(STOPPED)
        while self.running:
            for running in list(self.running):
                running.process.wait()
                self._close(running)
                self.running.remove(running)
                self._gone(running)
        self.drain(wait=True)


def _result_of(stage: Stage, running: _Running) -> dict[str, Any]:
    if running.stopped is not None:
        if running.stopped == STOPPED:
            return _failed(stage, STOPPED)
        return _failed(stage, f"stopped by the grader: {running.stopped}")
    try:
        payload = json.loads(bytes(running.out).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        payload = None
    if not isinstance(payload, dict):
        code = running.process.returncode
        tail = bytes(running.err).decode("utf-8", "replace").strip().splitlines()[-6:]
        return _failed(
            stage,
            f"the submission's grading process ended (exit code {code}) without a result"
            + (":\n" + "\n".join(tail) if tail else ""),
        )
    if not payload.get("ok"):
        return _failed(
            stage, "the grader failed on this submission:\n" + (_text(payload.get("error")) or "")
        )
    return sanitized(stage, payload.get("result"))


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
        pool = _Pool(stage, cap, use_sandbox, Path(scratch))
        queue = list(learners)
        try:
            for kind in previous:
                signal.signal(kind, _raise_stop)
            last_watch = 0.0
            while queue or pool.running:
                while queue and len(pool.running) < max(1, jobs):
                    path = queue.pop(0)
                    target = grading.resolve_target(stage, str(path))
                    if not (target / "app").is_dir():
                        item = Graded(
                            path.name,
                            _failed(stage, "empty submission: no app/ package for this stage"),
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
                    result = _result_of(stage, running)
                    item = Graded(running.learner, result)
                    graded[running.learner] = item
                    if on_done is not None:
                        on_done(item)
        except (KeyboardInterrupt, _StopError):
            pool.stop_all()
            for path in learners:
                if path.name not in graded:
                    graded[path.name] = Graded(path.name, _failed(stage, STOPPED), stopped=True)
        finally:
            pool.stop_all()
            for kind, handler in previous.items():
                signal.signal(kind, handler)
    for path in learners:
        item = graded[path.name]
        item.flags = suspicious.flags(grading.resolve_target(stage, str(path)))
        item.notes = _notes(stage, item.result, use_sandbox)
    return [graded[path.name] for path in learners]


def _cell(text: str) -> str:
    """A learner's text in a spreadsheet cell: never a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_gradebook(stage: Stage, graded: list[Graded], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    book = out / "gradebook.csv"
    ids = [r.id for r in stage.requirements]
    with open(book, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["learner", "stage", "passed", "total", "status", "error", *ids, "flags", "notes"]
        )
        for item in graded:
            result = item.result
            statuses = {r["id"]: r["status"] for r in result["requirements"]}
            error = (result.get("error") or "").splitlines()
            writer.writerow(
                [
                    item.learner,
                    stage.name,
                    result["passed"],
                    result["total"],
                    result["status"],
                    _cell(error[0]) if error else "",
                    *(statuses.get(i, "") for i in ids),
                    "; ".join(item.flags),
                    _cell(" ".join(item.notes)),
                ]
            )
    for item in graded:
        payload = {**item.result, "flags": item.flags, "notes": item.notes}
        (out / f"{item.learner}.json").write_text(
            json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return book
