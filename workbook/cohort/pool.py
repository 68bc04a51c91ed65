"""The sandboxes of a cohort run: up to `jobs` submissions graded at once, each a
subprocess of its own (inside bubblewrap, workbook/cohort/sandbox.py, unless
--no-sandbox), its stdout and stderr read without blocking, and a watchdog
that stops any past its time, memory or process caps (workbook/cohort/limits.py).

A sandbox's slot is free as soon as its first process ends; what is left in its
pid namespace is ending too, and `Pool.drain` makes sure of it.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from workbook.cohort import limits, processes, sandbox
from workbook.stages import Stage

STARTUP_GRACE = 15.0  # seconds a sandbox may take beyond the cap to start and report
RESULT_LIMIT = 8 * 1024 * 1024  # bytes of result a submission may send back
STDERR_TAIL = 8000
STOPPED = "not graded: the grading run was stopped"


@dataclass
class Running:
    """One submission being graded: its process, and what it has sent so far."""

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


class Pool:
    """Up to `jobs` sandboxes at once, and the watchdog over them."""

    def __init__(self, stage: Stage, cap: float, use_sandbox: bool, scratch: Path) -> None:
        self.stage, self.cap, self.use_sandbox, self.scratch = stage, cap, use_sandbox, scratch
        self.selector = selectors.DefaultSelector()
        self.running: list[Running] = []
        self.draining: list[Running] = []  # ended, their namespace not yet empty
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
            preexec_fn=limits.limiter(self.cap + STARTUP_GRACE),
            start_new_session=True,
        )
        running = Running(
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
            running: Running = key.data
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
        table = processes.snapshot()
        now = time.monotonic()
        for running in self.running:
            tree = processes.descendants(running.process.pid, table)
            if running.sandboxed and running.namespace is None:
                mine = processes.pid_namespace(os.getpid())
                for process in tree:
                    held = processes.hold_namespace(process.pid)
                    if held is None:
                        continue
                    fd, namespace = held
                    if namespace != mine:
                        running.namespace, running.namespace_fd = namespace, fd
                        break
                    os.close(fd)
            reason = limits.over_limits(tree)
            if reason is None and now > running.deadline:
                reason = f"it was still running at its cap of {self.cap:g} s"
            if reason is not None:
                running.kill(reason)

    def finished(self) -> list[Running]:
        done = [r for r in self.running if r.open_pipes == 0 and r.process.poll() is not None]
        for running in [r for r in self.running if r.stopped and r not in done]:
            if running.process.poll() is not None:
                self._close(running)
                done.append(running)
        for running in done:
            self.running.remove(running)
            self._gone(running)
        return done

    def _close(self, running: Running) -> None:
        for pipe in (running.process.stdout, running.process.stderr):
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(pipe)
            with contextlib.suppress(OSError):
                pipe.close()  # type: ignore[union-attr]
        running.open_pipes = 0

    def _gone(self, running: Running) -> None:
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
                left = processes.alive_in(running.namespace)
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
