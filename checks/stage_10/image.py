"""The image, without a Docker engine: its build context copied as
.dockerignore leaves it, and its command run natively in that copy.

`copy_context()` copies what `docker build .` would send: every file of the
stage folder that .dockerignore does not leave out. `command()` turns the
final stage's ENTRYPOINT and CMD into a command line for this machine: the
program from the workbook's environment (gunicorn, uvicorn, fastapi, python),
the port replaced by a free loopback one, and the folder the Dockerfile's
WORKDIR names standing for the copy. The app's own dependencies are the
workbook's: the image's `pip install -r requirements.txt` is not run (10.2
reads requirements.txt instead).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path, PurePosixPath

from checks.support import fail
from checks.support.deploy import dockerfile, dockerignore, health

# The programs a CMD may name, found beside this interpreter.
PROGRAMS = ("gunicorn", "uvicorn", "fastapi", "alembic")
PYTHONS = ("python", "python3")


def copy_context(root: Path, destination: Path) -> list[str]:
    """Copy the build context of `root` into `destination`; the files copied,
    relative to the root, as POSIX paths."""
    ignore_file = root / dockerignore.FILE
    rules = dockerignore.patterns(ignore_file) if ignore_file.is_file() else []
    # A folder can be skipped whole unless a later `!` pattern may bring part of it back.
    may_reinclude = any(rule.startswith("!") for rule in rules)
    copied = []
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        relative = here.relative_to(root)
        if not may_reinclude:
            subfolders[:] = [
                name
                for name in subfolders
                if not dockerignore.ignored((relative / name).as_posix(), rules)
            ]
        for name in files:
            path = (relative / name).as_posix()
            if dockerignore.ignored(path, rules):
                continue
            (destination / relative).mkdir(parents=True, exist_ok=True)
            shutil.copy2(here / name, destination / relative / name, follow_symlinks=False)
            copied.append(path)
    return sorted(copied)


def _words(instruction: dockerfile.Instruction) -> list[str]:
    value = instruction.value.strip()
    if value.startswith("["):
        try:
            words = json.loads(value)
        except json.JSONDecodeError:
            words = None
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            return words
    # Shell form: what /bin/sh -c would run.
    return ["/bin/sh", "-c", value]


def workdir(parsed: dockerfile.Dockerfile) -> PurePosixPath:
    """The final WORKDIR of the final stage (`/` without one)."""
    current = PurePosixPath("/")
    for instruction in parsed.of("WORKDIR"):
        current = current / instruction.value.strip().strip('"')
    return current


def _program(word: str) -> str:
    """The workbook's own copy of a program the image has installed."""
    name = PurePosixPath(word).name
    if name in PYTHONS or name.startswith("python3"):
        return sys.executable
    if name in PROGRAMS:
        script = Path(sys.executable).parent / name
        if script.is_file():
            return str(script)
    return word


def _with_port(words: list[str], port: int) -> list[str]:
    """`words` serving on 127.0.0.1:`port`: each bind or port option replaced,
    or added where the command has none (Gunicorn's -b on the command line
    wins over the config file's bind)."""
    if not words:
        return words
    name = PurePosixPath(words[0]).name
    out: list[str] = []
    skip = False
    replaced = False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        flag, equals, _ = word.partition("=")
        if flag in ("-b", "--bind"):
            out += [flag, f"127.0.0.1:{port}"]
            replaced, skip = True, not equals
        elif flag in ("--port", "-p") and name != "gunicorn":
            out += ["--port", str(port)]
            replaced, skip = True, not equals
        elif flag == "--host":
            out += ["--host", "127.0.0.1"]
            skip = not equals
        else:
            out.append(words[index])
    if replaced:
        return out
    if name == "gunicorn" or (len(out) > 2 and out[1:3] == ["-m", "gunicorn"]):
        return [*out, "--bind", f"127.0.0.1:{port}"]
    if name in ("uvicorn", "fastapi"):
        return [*out, "--host", "127.0.0.1", "--port", str(port)]
    return out


def _in_context(words: list[str], root: PurePosixPath, context: Path) -> list[str]:
    """Each word that names a path under WORKDIR (`/code/deploy/run.sh`),
    named in the copy instead: WORKDIR stands for the copy."""
    if str(root) == "/":
        return words
    prefix = f"{root}/"
    return [str(context / w.removeprefix(prefix)) if w.startswith(prefix) else w for w in words]


def make_runnable(words: list[str], context: Path) -> None:
    """A script of the copy that the command runs directly (`./entrypoint.sh`)
    made executable, as `COPY --chmod=755` or a `RUN chmod` makes it in the
    image; the copy is the grader's, the learner's file is left as it is."""
    for word in words[:1]:
        path = Path(word) if Path(word).is_absolute() else context / word
        if path.is_file() and context in path.resolve().parents:
            path.chmod(path.stat().st_mode | 0o111)


def command(parsed: dockerfile.Dockerfile, port: int, context: Path | None = None) -> list[str]:
    """The final stage's ENTRYPOINT + CMD, for this machine, on `port`; paths
    under WORKDIR named in `context`, the copy of the build context."""
    entrypoints = parsed.of("ENTRYPOINT")
    cmds = parsed.of("CMD")
    if not cmds and not entrypoints:
        fail(
            "the Dockerfile has no CMD: the image does not say how to start the app",
            expected='CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "app.main:app"]',
        )
    entry = _words(entrypoints[-1]) if entrypoints else []
    cmd = _with_port(_words(cmds[-1]), port) if cmds else []
    if not cmd:
        entry = _with_port(entry, port)
    words = [*entry, *cmd]
    if context is not None:
        words = _in_context(words, workdir(parsed), context)
    if words[:2] == ["/bin/sh", "-c"]:
        # A shell command line: its programs are the workbook's too.
        line = shlex.split(words[2])
        swapped = _with_port([_program(line[0]), *line[1:]], port) if line else line
        return ["/bin/sh", "-c", shlex.join(swapped)]
    return [_program(words[0]), *words[1:]]


def serves_health(
    argv: list[str], cwd: Path, env: dict[str, str], port: int, log: Path, timeout: float = 25.0
) -> str | None:
    """Run `argv` in `cwd` until GET /health on `port` answers 200, then stop
    it (SIGTERM, then SIGKILL for its whole group); None if it did, else what
    went wrong, with the end of its output."""
    with open(log, "wb") as output:
        try:
            process = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            return f"the command could not start: {error}"
    try:
        url = f"http://127.0.0.1:{port}/health"
        wait = health.wait_for_health(url, timeout, running=lambda: process.poll() is None)
        if wait.healthy:
            return None
        if wait.exited:
            return f"the command exited with status {process.returncode}:\n{_tail(log)}"
        if wait.status is not None:
            return f"GET /health answered {wait.status}:\n{_tail(log)}"
        return f"GET /health did not answer 200 within {timeout:g} s:\n{_tail(log)}"
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
