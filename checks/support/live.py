"""The learner's app served by a real uvicorn on loopback, for the checks that
need real concurrency (many requests at once, a blocked event loop, a response
that must not wait for a background task)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from checks.support.failures import fail
from workbook.paths import PYCACHE

START_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    """One uvicorn process serving `app.main:app` from the target folder."""

    target: Path
    env: dict[str, str]
    workdir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's address; it starts on first use, so a check that ends
        early (a skeleton's TODO) never pays for a server it does not use."""
        if self.process is None:
            self.start()
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"uvicorn-{self.port}.log"

    def start(self, workers: int = 1) -> LiveServer:
        self.port = free_port()
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
            "--workers",
            str(workers),
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
        self._wait_until_ready()
        return self

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
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # uvicorn shuts down: lifespan ends
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def restart(self) -> LiveServer:
        """Stop and start again on the same configuration (and database)."""
        self.stop()
        return self.start()
