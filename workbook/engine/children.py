"""The grading children: what each is given (`Spec`), its command line and
environment, and how it is started (forked from the preloaded parent, or a
fresh interpreter where there is no fork) and watched (`Shard`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from workbook import paths
from workbook.engine import forking, postgres
from workbook.stages import Stage

OUTPUT_TAIL = 30_000  # characters of pytest's own output kept for -v


@dataclass(frozen=True, kw_only=True)
class Spec:
    """What every child of one grading run is given."""

    stage: Stage
    target: Path
    workdir: Path
    seed: str | None
    timeout: float
    verbose: bool
    database: str
    only: frozenset[str]
    # The queue the children take checks from; None: each runs a fixed share.
    queue: Path | None = None
    # The live-server spawner's socket, for stages whose checks start uvicorn.
    spawner: Path | None = None
    run_id: str = "manual"
    # Each check that draws random data runs once per seed (the workbook's tests).
    seeds: tuple[str, ...] = ()
    docker: bool = False  # stage 10: also run the image and compose.yaml with Docker
    first_failure: bool = False  # stop each requirement at its first failure (mutants)


def _child_arguments(
    spec: Spec,
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
        "workbook.engine.pytest_plugin",
        "-p",
        "pytest_timeout",
        # Enforces pytest-timeout's limits from a C thread, and writes the
        # stacks of a hung check for the report (workbook/engine/watchdog.py).
        "-p",
        "workbook.engine.watchdog",
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
    arguments += ["--wb-docker"] * spec.docker + ["--wb-first-failure"] * spec.first_failure
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


def child_environment(run_id: str) -> dict[str, str]:
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
class Shard:
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

    def start(self, spec: Spec, deselect: set[str]) -> None:
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
        self.pid = launch(arguments, spec.workdir, self.output, child_environment(spec.run_id))
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


def file_text(path: Path) -> str:
    """A child's file as text; empty if the child never wrote it."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def output_tail(path: Path) -> str:
    """The end of a child's pytest output, as much as -v shows."""
    if not path.exists():
        return ""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(size - OUTPUT_TAIL, 0))
        text = handle.read().decode("utf-8", "replace")
    return text if size <= OUTPUT_TAIL else f"[… {size - OUTPUT_TAIL} earlier bytes cut]\n{text}"
