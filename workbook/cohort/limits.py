"""The caps on a sandbox: the rlimits each of its processes starts with, and the
totals over the whole sandbox that the watchdog (workbook/cohort/pool.py)
stops it past. Cgroups would count the totals for us, but they need a
delegated hierarchy the grader cannot count on having.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import resource
import signal
from collections.abc import Callable

from workbook.cohort.processes import PAGE, Process

MEMORY_TOTAL_MB = int(os.environ.get("WORKBOOK_SANDBOX_MEMORY_MB", "2048"))
PROCESSES = int(os.environ.get("WORKBOOK_SANDBOX_PROCESSES", "128"))
FILE_SIZE_MB = int(os.environ.get("WORKBOOK_SANDBOX_FILE_MB", "64"))


@functools.cache
def _prctl() -> Callable[..., int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    return ctypes.CDLL(name, use_errno=True).prctl


PR_SET_PDEATHSIG = 1


def limiter(cpu_seconds: float) -> Callable[[], None]:
    """What the bwrap process does before it starts: the rlimits every process
    of the sandbox inherits, and SIGKILL when the grader dies (so a killed
    `grade` leaves nothing running)."""
    from workbook.engine.forking import MEMORY_LIMIT_MB

    prctl = _prctl()
    limits = (
        (resource.RLIMIT_AS, MEMORY_LIMIT_MB * 1024 * 1024),
        (resource.RLIMIT_CPU, int(cpu_seconds) + 1),
        (resource.RLIMIT_FSIZE, FILE_SIZE_MB * 1024 * 1024),
        (resource.RLIMIT_CORE, 0),
    )

    def apply() -> None:
        for kind, value in limits:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(kind, (value, value))
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return apply


def over_limits(tree: list[Process]) -> str | None:
    """Why this sandbox must be stopped now, or None."""
    if len(tree) > PROCESSES:
        return f"it started more than {PROCESSES} processes at once"
    used = sum(p.rss_pages for p in tree) * PAGE
    if used > MEMORY_TOTAL_MB * 1024 * 1024:
        return f"its processes used more than {MEMORY_TOTAL_MB} MiB of memory together"
    return None
