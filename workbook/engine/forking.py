"""What every process the grader forks does: cap its memory, and end with
os._exit whatever happens, so that it never returns into its parent's code."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

MEMORY_LIMIT_MB = int(os.environ.get("WORKBOOK_MEMORY_LIMIT_MB", "4096"))


def limit_memory() -> None:
    """Cap the address space, so that runaway code gets a MemoryError
    (reported like any exception) instead of swapping the machine to a halt."""
    try:
        import resource
    except ImportError:  # not on this platform
        return
    limit = MEMORY_LIMIT_MB * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def write_output_to(path: str | os.PathLike[str]) -> None:
    """Send the process's output to `path` and take its input from nothing.
    Python's own streams are opened afresh on the new descriptors, line by line:
    what was inherited may hold buffered text, or not write to them at all
    (pytest's capture)."""
    sink = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    os.close(sink)
    sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115


def run_and_exit(body: Callable[[], int], failure_code: int) -> NoReturn:
    """In a forked child: run `body` and exit with its code, or print what it
    raised and exit with `failure_code`."""
    code = failure_code
    try:
        code = body()
    except BaseException:  # the child must never return into the parent's code
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
