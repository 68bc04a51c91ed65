"""The checks of one grading run, handed out one at a time to whichever child
is free.

Every child collects the same checks in the same order; a small file holds the
index of the next one to run, and a child takes it under an exclusive lock. A
child stuck in a slow check (a live server, a task that takes a second) no
longer holds up the quick checks dealt to it in advance: the other children
take them. POSIX only (fcntl); elsewhere the grader deals fixed shares.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

_WIDTH = 8  # bytes of the counter


def available() -> bool:
    return fcntl is not None


def create(path: Path) -> Path:
    """A fresh queue at `path`, starting at the first check."""
    path.write_bytes((0).to_bytes(_WIDTH, "little"))
    return path


def taken(path: Path) -> int:
    """How many checks have been handed out so far (read without the lock: a
    child may take one more at the same moment, never one fewer)."""
    return int.from_bytes(path.read_bytes()[:_WIDTH] or bytes(_WIDTH), "little")


class WorkQueue:
    """A child's handle on the shared counter."""

    def __init__(self, path: Path | str) -> None:
        self._fd = os.open(path, os.O_RDWR)

    def take(self) -> int:
        """The index of the next check; it is nobody else's."""
        assert fcntl is not None
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            index = int.from_bytes(os.pread(self._fd, _WIDTH, 0), "little")
            os.pwrite(self._fd, (index + 1).to_bytes(_WIDTH, "little"), 0)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        return index

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> WorkQueue:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
