"""The processes of a sandbox as the watchdog sees them, from /proc: the tree
under a pid, the memory each holds, and the pid namespace they share (a sandbox
has one of its own; when its first process ends, the kernel ends the rest).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096  # the unit of rss_pages


@dataclass
class Process:
    """One process: its parent, and the memory it holds (resident pages)."""

    pid: int
    parent: int
    rss_pages: int


def snapshot() -> dict[int, Process]:
    """Every process on the machine now, from /proc, by pid."""
    found: dict[int, Process] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                text = handle.read().decode("ascii", "replace")
        except OSError:
            continue
        # The command name may hold spaces and brackets: fields follow the last ")".
        fields = text[text.rfind(")") + 2 :].split()
        with contextlib.suppress(ValueError, IndexError):
            found[int(entry.name)] = Process(int(entry.name), int(fields[1]), int(fields[21]))
    return found


def descendants(root: int, table: dict[int, Process] | None = None) -> list[Process]:
    """`root` and every process below it."""
    table = snapshot() if table is None else table
    children: dict[int, list[int]] = {}
    for process in table.values():
        children.setdefault(process.parent, []).append(process.pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            found.append(table[pid])
        todo.extend(children.get(pid, []))
    return found


def pid_namespace(pid: int) -> str | None:
    with contextlib.suppress(OSError):
        return os.readlink(f"/proc/{pid}/ns/pid")
    return None


def hold_namespace(pid: int) -> tuple[int, str] | None:
    """An open descriptor on the pid namespace of `pid`, and its name. While the
    descriptor is open, no new namespace can get that name."""
    try:
        fd = os.open(f"/proc/{pid}/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return fd, os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        os.close(fd)
        return None


def alive_in(namespace: str) -> list[int]:
    """The processes still in a pid namespace."""
    alive = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and pid_namespace(int(entry.name)) == namespace:
            alive.append(int(entry.name))
    return alive
