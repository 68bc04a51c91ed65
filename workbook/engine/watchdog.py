"""The grader's watchdog for a check that hangs, as a pytest plugin in the
child: pytest-timeout decides each check's time limit (`--timeout`, a check's
`@pytest.mark.timeout`), this plugin and the parent enforce it.

Every half of the check's limit a sampler thread writes the stack of every
thread to the file named by `--wb-stacks` (emptied at each check's start, its
first line the limit), in faulthandler's format. The parent reads each sample
(`workbook.engine.stacks`) and ends the process once the limit is reached and
the samples show it stuck: the learner's own code running in two samples in a
row, or the same stack for a whole limit with almost no CPU used. A check that
is only slow (a busy machine, the stack moving on) gets up to
`stacks.HARD_CAP` times its limit.

Why a Python thread and not `faulthandler.dump_traceback_later(repeat=True)`,
which this module used before: on Python 3.11 faulthandler's C thread walks the
interpreter's thread states without a lock, so a thread that ends while it
dumps (TestClient's portal, aiosqlite's connection thread, asyncio.to_thread's
workers: stage 9's checks start hundreds) crashes the child with SIGSEGV. A
loop that starts and joins threads under a 0.5 ms dump died within seconds on
every run here; `tests/test_diagnoses.py` keeps that case. The sampler holds
the GIL while it reads `sys._current_frames()`, so the stacks it reads stay
valid. What it cannot do is run while a C call holds the GIL for good (a
catastrophic regex): for that, faulthandler stays armed as a backstop at one
and a half limits (two seconds at the least), re-armed at every sample, so it
only fires when the sampler could not run for that long, when no other thread
can be ending either. (With a 6 ms backstop, CI's busy cores kept the sampler
from the GIL that long while the test's threads ended: SIGSEGV.)
"""

from __future__ import annotations

import faulthandler
import sys
import threading
import time
from types import FrameType
from typing import IO, Any

import pytest

from workbook.engine.stacks import WATCHDOG

_sampler = pytest.StashKey["Sampler"]()
# Seconds: the backstop waits at least this long for a sampler that does not run.
BACKSTOP_FLOOR = 2.0


def _format(frame: FrameType | None) -> list[str]:
    lines = []
    while frame is not None:
        code = frame.f_code
        lines.append(f'  File "{code.co_filename}", line {frame.f_lineno} in {code.co_name}\n')
        frame = frame.f_back
    return lines


class Sampler:
    """Writes every other thread's stack, most recent call first, every half
    of the armed limit, until it is disarmed."""

    def __init__(self, stacks: IO[str]) -> None:
        self.stacks = stacks
        self._lock = threading.Condition()
        self._period: float | None = None
        self._due = 0.0
        self._thread = threading.Thread(target=self._run, name="workbook-watchdog", daemon=True)
        self._thread.start()

    def arm(self, limit: float) -> None:
        with self._lock:
            self.stacks.seek(0)
            self.stacks.truncate()
            self.stacks.write(f"{WATCHDOG} {limit:g}\n")
            self.stacks.flush()
            self._period = limit / 2
            self._due = time.monotonic() + self._period
            self._backstop()
            self._lock.notify()

    def disarm(self) -> None:
        with self._lock:
            self._period = None
            faulthandler.cancel_dump_traceback_later()

    def _backstop(self) -> None:
        assert self._period is not None
        # Never sooner than BACKSTOP_FLOOR: a sampler kept from the GIL for a
        # few switch intervals by busy threads is not stuck, and those threads
        # may be ending, which is when faulthandler's dump crashes.
        later = max(3 * self._period, BACKSTOP_FLOOR)
        faulthandler.dump_traceback_later(later, repeat=True, file=self.stacks)

    def _run(self) -> None:
        with self._lock:
            while True:
                if self._period is None:
                    self._lock.wait()
                    continue
                wait = self._due - time.monotonic()
                if wait > 0:
                    self._lock.wait(wait)
                    continue
                self._sample()
                self._due += self._period
                self._backstop()

    def _sample(self) -> None:
        mine = threading.get_ident()
        lines = [f"Timeout ({self._period * 2:g}s)!\n"]
        for ident, frame in sys._current_frames().items():
            if ident == mine:
                continue
            lines.append(f"Thread 0x{ident:016x} (most recent call first):\n")
            lines.extend(_format(frame))
            lines.append("\n")
        self.stacks.write("".join(lines))
        self.stacks.flush()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--wb-stacks", help="file the watchdog writes a hung check's stacks to")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--wb-stacks")
    if path:
        # Kept open for the whole run: faulthandler's backstop writes to its
        # descriptor from a C thread, with no time to open anything.
        config.stash[_sampler] = Sampler(open(path, "w", encoding="utf-8"))  # noqa: SIM115


def pytest_unconfigure(config: pytest.Config) -> None:
    sampler = config.stash.get(_sampler, None)
    if sampler is not None:
        sampler.disarm()
        sampler.stacks.close()


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> bool | None:
    sampler = item.config.stash.get(_sampler, None)
    if sampler is None:
        return None  # run without the grader: pytest-timeout's own method
    sampler.arm(settings.timeout)
    return True


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_timeout_cancel_timer(item: pytest.Item) -> bool | None:
    sampler = item.config.stash.get(_sampler, None)
    if sampler is None:
        return None
    sampler.disarm()
    return True
