"""The grader's watchdog for a check that hangs, as a pytest plugin in the
child: pytest-timeout decides each check's time limit (`--timeout`, a check's
`@pytest.mark.timeout`), this plugin and the parent enforce it.

pytest-timeout's own thread method needs the GIL to fire, and on a busy machine
with a learner's loop holding it the watchdog fired late. `faulthandler`'s
watchdog is a C thread that needs nothing of the interpreter: every half of the
check's limit it writes the stack of every thread to the file named by
`--wb-stacks` (emptied at each check's start, its first line the limit). The
parent reads each sample (`workbook.engine.stacks`) and ends the process once the
limit is reached and the samples show it stuck: the learner's own line running,
or the same stack for a whole limit with almost no CPU used. A check that is
only slow (a busy machine, the stack moving on) gets up to `stacks.HARD_CAP`
times its limit.
"""

from __future__ import annotations

import faulthandler
from typing import IO, Any

import pytest

from workbook.engine.stacks import WATCHDOG

_stacks = pytest.StashKey[IO[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--wb-stacks", help="file the watchdog writes a hung check's stacks to")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--wb-stacks")
    if path:
        # Kept open for the whole run: faulthandler writes to its descriptor
        # from the watchdog thread, with no time to open anything.
        config.stash[_stacks] = open(path, "w", encoding="utf-8")  # noqa: SIM115


def pytest_unconfigure(config: pytest.Config) -> None:
    faulthandler.cancel_dump_traceback_later()
    if _stacks in config.stash:
        config.stash[_stacks].close()


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> bool | None:
    stacks = item.config.stash.get(_stacks, None)
    if stacks is None:
        return None  # run without the grader: pytest-timeout's own method
    stacks.seek(0)
    stacks.truncate()
    stacks.write(f"{WATCHDOG} {settings.timeout:g}\n")
    stacks.flush()
    faulthandler.dump_traceback_later(settings.timeout / 2, repeat=True, file=stacks)
    return True


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_timeout_cancel_timer(item: pytest.Item) -> bool | None:
    if _stacks not in item.config.stash:
        return None
    faulthandler.cancel_dump_traceback_later()
    return True
