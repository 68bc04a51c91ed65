"""The learner's app served by a real uvicorn on loopback, for the checks that
need real concurrency (many requests at once, a blocked event loop, a response
that must not wait for a background task).

Under the grader the server process is forked by its spawner (workbook.engine.spawner),
with uvicorn and the stage's libraries already imported; run by hand, without
one, it is a fresh `python -m uvicorn`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from checks.support.failures import fail
from workbook.paths import PYCACHE

START_TIMEOUT = 20.0


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    """One uvicorn process serving `app.main:app` from the target folder."""

    target: Path
    env: dict[str, str]
    workdir: Path
    spawner: str | None = None  # the grader's spawner socket, if there is one
    port: int = 0
    pid: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)
    _starts: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.log = self.workdir / "uvicorn.log"

    @property
    def url(self) -> str:
        """The server's address; it starts on first use, so a check that ends
        early (a skeleton's TODO) never pays for a server it does not use."""
        if not self.port:
            self.start()
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        """Start the server (through the grader's spawner when there is one)."""
        asked = self._ask_spawner(self.spawner) if self.spawner else None
        if asked is None or not self._await_spawned(asked):
            # By hand, or the grader's spawner is gone: a process of its own.
            self._start_process()
        return self

    def _next_log(self) -> Path:
        self._starts += 1
        self.log = self.workdir / f"uvicorn-{self._starts}.log"
        return self.log

    def _ask_spawner(self, spawner: str) -> socket.socket | None:
        """Send the spawner what the server needs; None if it does not answer."""
        request = {
            "target": str(self.target),
            "workdir": str(self.workdir),
            "env": {**os.environ, **self.env},
            "log": str(self._next_log()),
        }
        line = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        line.settimeout(START_TIMEOUT)
        try:
            line.connect(spawner)
            line.sendall(json.dumps(request).encode() + b"\n")
        except OSError:
            line.close()
            return None
        return line

    def _await_spawned(self, line: socket.socket) -> bool:
        """Wait for the server's pid, then its port; False if the spawner
        could not fork one. A server that stops or hangs fails the check."""
        ready, hung = "", False
        with line, line.makefile("r", encoding="utf-8") as answers:
            try:
                forked = answers.readline()
                if not forked:
                    return False
                self.pid = json.loads(forked)["pid"]
                # The port once the app has started; nothing if it stopped first.
                ready = answers.readline()
            except TimeoutError:
                hung = True
        if ready:
            self.port = json.loads(ready)["port"]
            return True
        self.stop()
        if hung:
            fail(
                f"uvicorn did not start serving your app within {START_TIMEOUT:g} s:\n"
                f"{self.log_tail()}",
                expected="uvicorn serving app.main:app",
            )
        fail(
            f"your app stopped while uvicorn was starting it:\n{self.log_tail()}",
            expected="uvicorn serving app.main:app",
        )

    def _start_process(self) -> None:
        self.port = free_port()
        self._next_log()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--app-dir",
            str(self.target),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        # The learner's folder stays byte for byte as it was.
        env = {**os.environ, **self.env, "PYTHONPYCACHEPREFIX": str(PYCACHE)}
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid = self.process.pid
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                fail(
                    f"your app stopped while uvicorn was starting it:\n{self.log_tail()}",
                    expected="uvicorn serving app.main:app",
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        fail(
            f"uvicorn did not start serving your app within {START_TIMEOUT:g} s:\n"
            f"{self.log_tail()}",
            expected="uvicorn serving app.main:app",
        )

    def log_tail(self, lines: int = 15) -> str:
        """The last `lines` lines the server logged, for a report."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def running(self) -> bool:
        """Whether the server process is alive."""
        if not self.pid:
            return False
        if self.process is not None:
            return self.process.poll() is None
        try:
            os.kill(self.pid, 0)  # a forked server is reaped by the spawner's kernel
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def stop(self) -> None:
        """Stop the server and forget its port."""
        if not self.running():
            self.pid, self.port, self.process = 0, 0, None
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)  # uvicorn shuts down: lifespan ends
        deadline = time.monotonic() + 5
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            if self.process is not None:
                self.process.wait()
        self.pid, self.port, self.process = 0, 0, None

    def restart(self) -> LiveServer:
        """Stop and start again on the same configuration (and database)."""
        self.stop()
        return self.start()
