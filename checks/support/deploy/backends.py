"""The learner's app as the load balancer sees it: N Gunicorn processes
started from deploy/gunicorn.conf.py, each on a loopback port of the grader's,
all on one database.

Each backend is `gunicorn -c deploy/gunicorn.conf.py -b 127.0.0.1:PORT
app.main:app` (a `-b` on the command line overrides the file's `bind`). The
stage folder is on the Python path (`--pythonpath`), but the working folder is
the grader's (`--chdir`), so a relative log file, pid file or SQLite file the
config names lands there, never in the learner's folder; bytecode goes to the
grader's cache, and Gunicorn's control socket to the private folder too.

A backend runs in its own process group: SIGKILL and SIGSTOP/SIGCONT reach the
master and its workers at once (a stopped master alone would leave its workers
serving). SIGTERM goes to the master only, as `docker stop` sends it, and
`terminate()` waits for the graceful stop. `Backends` is a context manager:
when it ends, for any reason, every process group it started is killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from checks.support.deploy import health
from checks.support.failures import fail
from checks.support.live import free_port
from workbook.paths import PYCACHE

START_TIMEOUT = 20.0
CONFIG = Path("deploy") / "gunicorn.conf.py"


def shared_sqlite(folder: Path, name: str = "shared.db") -> str:
    """A SQLite file in WAL mode (kept in the file: every process that opens
    it gets WAL), for backends that must share one database; its URL."""
    path = folder / name
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    return f"sqlite+aiosqlite:///{path}"


# Libraries a stage's app imports, loaded by the Gunicorn master before it
# binds its port: a worker forked from it then only imports the learner's own
# modules. Without this a restarted backend listens for seconds before its
# worker can answer, and nginx queues requests on it (a POST queued past
# proxy_read_timeout is a 504). The learner's app itself is still imported in
# each worker, as Gunicorn does without preload_app. A library that is not
# installed is skipped.
PRELOAD = (
    "fastapi",
    "fastapi.routing",
    "pydantic",
    "pydantic_settings",
    "starlette.applications",
    "uvicorn",
    "uvicorn_worker",
    "sqlalchemy",
    "sqlalchemy.ext.asyncio",
    "aiosqlite",
    "asyncpg",
    "jwt",
    "pwdlib",
)
_LAUNCHER = """
import importlib, sys
for name in sys.argv.pop(1).split(","):
    try:
        importlib.import_module(name)
    except ImportError:
        pass
from gunicorn.app.wsgiapp import run
sys.argv[0] = "gunicorn"
run()
"""


def environment() -> dict[str, str]:
    """This process's environment, with bytecode kept in the grader's cache:
    the learner's folder gets none, and a library is not compiled again at
    every start (with PYTHONDONTWRITEBYTECODE set too, Python would read no
    cache at all and compile FastAPI afresh in each process: seconds)."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def gunicorn(preload: tuple[str, ...] = ()) -> list[str]:
    """How to run Gunicorn from this interpreter's environment, with the
    `preload` libraries imported first."""
    if preload:
        return [sys.executable, "-c", _LAUNCHER, ",".join(preload)]
    script = Path(sys.executable).parent / "gunicorn"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "gunicorn"]


@dataclass
class Backend:
    """One Gunicorn master (and its workers) serving the learner's app."""

    index: int
    root: Path
    folder: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    workers: int | None = 1
    extra_args: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        """This start's stdout and stderr, merged."""
        return self.folder / f"backend-{self.index}-{self.starts}.log"

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def command(self) -> list[str]:
        workdir = self.folder / f"backend-{self.index}"
        command = [
            *gunicorn(PRELOAD),
            "-c",
            str(self.root / CONFIG),
            "-b",
            f"127.0.0.1:{self.port}",
            "--chdir",
            str(workdir),
            "--pythonpath",
            str(self.root),
            "--pid",
            str(workdir / "gunicorn.pid"),
            "--control-socket",
            str(workdir / "gunicorn.ctl"),
        ]
        if self.workers is not None:
            # One worker each keeps two backends within a 2-core budget;
            # the learner's own `workers` is read from the config by a check.
            command += ["--workers", str(self.workers)]
        return [*command, *self.extra_args, "app.main:app"]

    def start(self, wait: bool = True) -> Backend:
        """Start (again, on the same port) and wait until /health answers."""
        if self.running():
            return self
        self.starts += 1
        (self.folder / f"backend-{self.index}").mkdir(parents=True, exist_ok=True)
        env = {**environment(), **self.env, "PYTHONUNBUFFERED": "1"}
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.folder / f"backend-{self.index}",
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if wait:
            self.wait_until_healthy()
        return self

    def wait_until_healthy(self, timeout: float = START_TIMEOUT) -> None:
        """Return once GET /health answers 200; fail saying why it did not."""
        wait = health.wait_for_health(f"{self.url}/health", timeout, running=self.running)
        if wait.healthy:
            return
        if wait.exited:
            fail(
                f"Gunicorn backend {self.index} stopped while starting:\n{self.log_tail()}",
                expected="gunicorn -c deploy/gunicorn.conf.py serving app.main:app",
            )
        if wait.status is not None:
            fail(
                f"Gunicorn backend {self.index} answered GET /health with {wait.status}"
                f"{self._diagnosis()}:\n{self.log_tail(8)}",
                expected="GET /health → 200 from every backend",
            )
        fail(
            f"Gunicorn backend {self.index} did not answer GET /health within {timeout:g} s:\n"
            f"{self.log_tail()}",
            expected="GET /health → 200 from every backend",
        )

    def _diagnosis(self) -> str:
        """What the log says went wrong, where it is a known first mistake."""
        if "missing 1 required positional argument: 'send'" in "\n".join(self.log_lines()):
            return (
                " because Gunicorn runs its default worker, which speaks WSGI, and FastAPI is "
                'an ASGI app (worker_class = "uvicorn_worker.UvicornWorker")'
            )
        return ""

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _signal_group(self, number: signal.Signals) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, number)

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: a crash."""
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)

    def pause(self) -> None:
        """SIGSTOP every process: the port still accepts connections (the
        kernel queues them) but nothing answers, like a hung server."""
        self._signal_group(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal_group(signal.SIGCONT)

    def terminate(self, timeout: float = 35.0) -> float:
        """SIGTERM to the master, as a container stop does, and wait for it to
        exit; the seconds it took. Past `timeout` the group is killed and the
        check fails."""
        if not self.running() or self.process is None:
            return 0.0
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            fail(
                f"Gunicorn backend {self.index} was still running {timeout:g} s after SIGTERM",
                expected="a graceful stop within graceful_timeout",
            )
        took = time.monotonic() - started
        self._signal_group(signal.SIGKILL)  # a worker the master left behind
        return took

    def restart(self, timeout: float = 35.0) -> float:
        """Graceful stop, then start on the same port; the seconds it was down."""
        started = time.monotonic()
        self.terminate(timeout)
        self.start()
        return time.monotonic() - started

    def log_lines(self) -> list[str]:
        """Every line this backend wrote, all starts together."""
        lines: list[str] = []
        for start in range(1, self.starts + 1):
            path = self.folder / f"backend-{self.index}-{start}.log"
            with contextlib.suppress(OSError):
                lines += path.read_text(errors="replace").splitlines()
        return lines

    def json_lines(self) -> list[dict[str, Any]]:
        """The lines that are JSON objects (the structured access and error logs)."""
        parsed = []
        for line in self.log_lines():
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(line)
                if isinstance(value, dict):
                    parsed.append(value)
        return parsed

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_lines()[-lines:])

    def wait_for_log(
        self, matches: Callable[[dict[str, Any]], bool], after: int = 0, timeout: float = 5.0
    ) -> dict[str, Any] | None:
        """The first JSON line, past the first `after` ones, for which
        `matches` holds, waiting up to `timeout` seconds for it; None if none
        came. (A backend continued after SIGCONT logs the request it had
        queued once it has handled it.)"""
        deadline = time.monotonic() + timeout
        while True:
            found = next((line for line in self.json_lines()[after:] if matches(line)), None)
            if found is not None or time.monotonic() >= deadline:
                return found
            time.sleep(0.05)


class Backends:
    """`count` backends of the app in `root`, started together (their imports
    overlap), all killed when the `with` block ends."""

    def __init__(
        self,
        root: Path,
        folder: Path,
        env: dict[str, str],
        count: int = 2,
        workers: int | None = 1,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.backends = [
            Backend(index, root, folder, env, workers=workers, extra_args=extra_args)
            for index in range(count)
        ]

    def __enter__(self) -> Backends:
        try:
            for backend in self.backends:
                backend.start(wait=False)
            for backend in self.backends:
                backend.wait_until_healthy()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __getitem__(self, index: int) -> Backend:
        return self.backends[index]

    def __len__(self) -> int:
        return len(self.backends)

    def __iter__(self) -> Iterator[Backend]:
        return iter(self.backends)

    @property
    def ports(self) -> list[int]:
        return [backend.port for backend in self.backends]

    def by_port(self, port: int) -> Backend:
        return next(b for b in self.backends if b.port == port)

    def close(self) -> None:
        """Kill every group; a paused one is continued so it can die at once."""
        for backend in self.backends:
            backend.resume()
            backend.kill()


def resolved_settings(root: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The settings Gunicorn resolves from deploy/gunicorn.conf.py
    (`--print-config`: bind, workers, worker_class, graceful_timeout,
    forwarded_allow_ips, …), each as the text Gunicorn prints. A config that
    does not load fails the check with Gunicorn's message.

    Gunicorn imports an app to print its config; a stand-in (`json:dumps`)
    keeps that to the config itself: importing the learner's app is the
    backends' job, and costs seconds."""
    # From a folder of the grader's: importing the app must not write into root.
    with tempfile.TemporaryDirectory(prefix="workbook-gunicorn-") as workdir:
        done = subprocess.run(
            [
                *gunicorn(),
                "-c",
                str(root / CONFIG),
                "--chdir",
                workdir,
                "--pythonpath",
                str(root),
                "--print-config",
                "json:dumps",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            cwd=workdir,
            # --check-config imports the app before applying --pythonpath.
            env={**environment(), **(env or {}), "PYTHONPATH": str(root)},
        )
    if done.returncode != 0:
        fail(
            "Gunicorn cannot load deploy/gunicorn.conf.py:\n"
            + (done.stderr or done.stdout)[-1500:],
            expected="`gunicorn -c deploy/gunicorn.conf.py --check-config app.main:app` to pass",
        )
    settings = {}
    for line in done.stdout.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            settings[name.strip()] = value.strip()
    return settings
