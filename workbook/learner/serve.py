"""`workbook run`: serve a stage's app with reload, as a learner works on it.

It runs `fastapi dev` on `workbook.learner.dev_app:app` (the learner's app, with TODOs
answering 501) in a process group of its own, and ends that whole group when it
is stopped, by Ctrl-C or by its process id, or when `make` above it goes away:
the reloader and its worker must not be left holding the port. The database of
a stage that has one lives under `.workbook/run/`, never in the stage folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from types import FrameType

from workbook import paths
from workbook.stages import Stage

PR_SET_PDEATHSIG = 1  # linux/prctl.h
STOP_GRACE = 5.0  # seconds the server gets to shut down before it is killed


def port_taken(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As uvicorn binds: a port left in TIME_WAIT by a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def database_file(stage: Stage) -> Path:
    return paths.STATE / "run" / f"{stage.name}.db"


def _forget(database: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)


def _end_with_parent() -> None:
    """In the server's process, before it starts: on Linux, have the kernel send
    it SIGTERM if this process dies without stopping it (a SIGKILL)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop(server: subprocess.Popen[bytes]) -> None:
    """End the server's whole process group: fastapi dev, its reloader and worker."""
    for sig, wait in ((signal.SIGINT, STOP_GRACE), (signal.SIGKILL, 2.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=wait)
            # The group may outlive its leader for a moment: make sure it is gone.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            return


def _uses_a_database(target: Path) -> bool:
    return any(
        "database_url" in path.read_text(encoding="utf-8", errors="replace").lower()
        for path in (target / "app").rglob("*.py")
    )


def _migrate(target: Path, env: dict[str, str]) -> None:
    """From stage 9 the schema belongs to Alembic, not to the app: bring the
    database to the newest migration before serving, as a release step would.
    A failing migration is shown and the app served anyway, so /docs still
    opens while the learner works on it."""
    print("Migrating the database: alembic upgrade head", flush=True)
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(
            "workbook: `alembic upgrade head` failed; the app is served without it:\n"
            + "\n".join(done.stderr.strip().splitlines()[-8:]),
            file=sys.stderr,
            flush=True,
        )


def serve(stage: Stage, target: Path, *, port: int = 8000, fresh: bool = False) -> int:
    main = target / "app" / "main.py"
    if not main.exists():
        print(f"workbook: there is no {paths.shown(main)} to serve", file=sys.stderr)
        return 2
    if port_taken(port):
        print(
            f"workbook: port {port} is already in use (another `make run` still running, "
            "or another program). Stop that one, or serve on another port:\n"
            f"  make run STAGE={stage.number} PORT={port + 1}",
            file=sys.stderr,
        )
        return 2
    env = {
        **os.environ,
        # No __pycache__ in the learner's folder, from the grader or from here.
        "PYTHONDONTWRITEBYTECODE": "1",
        # workbook.learner.dev_app must be importable from the stage folder.
        "PYTHONPATH": os.pathsep.join(
            part for part in (str(paths.REPO), os.environ.get("PYTHONPATH", "")) if part
        ),
    }
    database = database_file(stage)
    if "DATABASE_URL" not in os.environ:
        database.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            _forget(database)
        env["DATABASE_URL"] = f"sqlite+aiosqlite:///{database}"
    print(f"Serving stage {stage.number} from {paths.shown(target)} with reload.")
    print(f"  API docs:  http://127.0.0.1:{port}/docs")
    if "DATABASE_URL" not in os.environ and _uses_a_database(target):
        again = f"make run STAGE={stage.number} ARGS=--fresh"
        print(f"  Database: {paths.shown(database)}  (`{again}` starts it empty)")
    if (target / "alembic.ini").is_file():
        _migrate(target, env)
    print("  Unfinished parts answer 501 with their TODO.  Stop with Ctrl+C.\n", flush=True)
    command = [
        sys.executable, "-m", "fastapi", "dev",
        "--entrypoint", "workbook.learner.dev_app:app",
        "--reload-dir", str(target / "app"),
        "--port", str(port),
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=target, env=env, start_new_session=True, preexec_fn=_end_with_parent
    )
    parent = os.getppid()

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    try:
        while True:
            with contextlib.suppress(subprocess.TimeoutExpired):
                return server.wait(timeout=0.5)
            if os.getppid() != parent:  # `make` above us was killed
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(server)
