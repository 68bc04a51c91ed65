"""`workbook watch`: grade again on every save, with a fresh report each time.

File events do not reach every machine (network drives, a Windows drive seen
from WSL, some containers); there it polls instead, and says so. watchfiles
makes its own choice otherwise (it polls on WSL 2 and when
WATCHFILES_FORCE_POLLING is set): we pass `force_polling=None` unless we have a
reason of our own, since an explicit False would switch that choice off.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "9p", "fuse.sshfs", "drvfs", "v9fs"}


def _mount_type(path: Path) -> str | None:
    """The filesystem type of the mount holding `path`, from /proc/mounts."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    best, best_type = "", None
    resolved = str(path.resolve())
    for line in mounts:
        fields = line.split()
        if len(fields) >= 3 and resolved.startswith(fields[1]) and len(fields[1]) > len(best):
            best, best_type = fields[1], fields[2]
    return best_type


def polling_reason(path: Path) -> str | None:
    """Our own reason to poll `path`, or None to leave the choice to watchfiles.

    A Windows drive seen from WSL is a drvfs or 9p mount, so the mount type
    covers it; WSL itself is watchfiles' own test.
    """
    if os.environ.get("WORKBOOK_WATCH_POLL"):
        return "WORKBOOK_WATCH_POLL is set"
    kind = _mount_type(path)
    if kind in NETWORK_FILESYSTEMS:
        return f"the folder is on a {kind} drive, where file events do not arrive"
    return None


def watch(folder: Path, grade: Callable[[], None], console: Console, *, poll: bool) -> int:
    from watchfiles import PythonFilter
    from watchfiles import watch as watch_changes

    reason = "--poll was given" if poll else polling_reason(folder)
    grade()
    note = f"polling every half second ({reason})" if reason else "on every save"
    console.print(f"\nWatching {folder} — grading again {note}. Ctrl+C to stop.", style="dim")
    try:
        for _changes in watch_changes(
            folder,
            watch_filter=PythonFilter(),
            debounce=400,
            force_polling=True if reason else None,
            poll_delay_ms=500,
            raise_interrupt=False,
        ):
            console.clear()
            grade()
            console.print(f"\nWatching {folder} — {note}. Ctrl+C to stop.", style="dim")
    except KeyboardInterrupt:
        pass
    return 0
