"""The learner's `alembic`, run as they run it: in the stage folder, with
DATABASE_URL set to the check's database, `alembic upgrade head` and the rest.

Each run is a process of its own. Where fork exists it is a fork of the check's
process, whose Alembic, SQLAlchemy and drivers are already imported (but none
of the app's modules), running Alembic's own command line (`alembic.config.main`)
from the stage folder: what `python -m alembic …` does, without a second of
imports per run. Elsewhere it is `python -m alembic …`.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Imported here so that the grader's parent loads them once for every child.
import alembic.command
import alembic.config

TIMEOUT = 60.0


@dataclass
class Run:
    """One `alembic …`: what was run, its exit code and what it printed."""

    command: str
    code: int
    output: str

    @property
    def ok(self) -> bool:
        return self.code == 0

    def tail(self, lines: int = 12) -> str:
        return "\n".join(self.output.strip().splitlines()[-lines:])


def run_alembic(target: Path, *arguments: str, env: dict[str, str]) -> Run:
    """`alembic <arguments>` in the stage folder `target`, with `env` set."""
    command = "alembic " + " ".join(arguments)
    if not (target / "alembic.ini").exists():
        return Run(command, 2, f"there is no alembic.ini in {target.name}/")
    if hasattr(os, "fork"):
        return _forked(target, list(arguments), env, command)
    return _interpreter(target, list(arguments), env, command)


def _forked(target: Path, arguments: list[str], env: dict[str, str], command: str) -> Run:
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as log:
        path = log.name
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        _child(target, arguments, env, path)
    deadline = time.monotonic() + TIMEOUT
    code = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        time.sleep(0.02)
    if code is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
        os.waitpid(pid, 0)
    output = Path(path).read_text(errors="replace")
    os.unlink(path)
    if code is None:
        return Run(command, -9, output + f"\n(stopped: it ran for more than {TIMEOUT:g} s)")
    return Run(command, code, output)


def _child(target: Path, arguments: list[str], env: dict[str, str], log: str) -> None:
    """In a forked child: forget the app, become `alembic <arguments>` in `target`."""
    code = 1
    try:
        sink = os.open(log, os.O_WRONLY | os.O_TRUNC)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(sink, 1)
        os.dup2(sink, 2)
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
            del sys.modules[name]
        os.environ.update(env)
        os.chdir(target)
        # What the alembic script has: the folder it runs in first on the path
        # (alembic.ini's prepend_sys_path adds it too). No bytecode in the
        # learner's folder.
        sys.path[:] = ["", *(p for p in sys.path if p not in ("", str(target)))]
        sys.dont_write_bytecode = sys.dont_write_bytecode or not sys.pycache_prefix
        sys.argv = ["alembic", *arguments]
        try:
            alembic.config.main(argv=arguments, prog="alembic")
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # whatever the learner's env.py or migration raised
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _interpreter(target: Path, arguments: list[str], env: dict[str, str], command: str) -> Run:
    environment = {**os.environ, **env, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "alembic", *arguments],
            cwd=target,
            env=environment,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        return Run(
            command, -9, f"{error.stdout or ''}{error.stderr or ''}\n(stopped after {TIMEOUT:g} s)"
        )
    return Run(command, done.returncode, done.stdout + done.stderr)
