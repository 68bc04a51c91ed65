"""Waiting for a process to serve GET /health: a backend started by the
checks, the image's command, a compose project. Each caller turns the way the
wait ended into its own sentence."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Wait:
    """How a wait for GET /health ended: `healthy`, the process `exited`, a
    wrong `status` (it serves, wrongly: waiting longer would not change that),
    or none of these (the time ran out)."""

    healthy: bool = False
    exited: bool = False
    status: int | None = None


def wait_for_health(
    url: str,
    timeout: float,
    running: Callable[[], bool] = lambda: True,
    interval: float = 0.05,
    request_timeout: float = 1.0,
) -> Wait:
    """GET `url` (a /health) until it answers 200, the process stops
    `running`, it answers another status, or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not running():
            return Wait(exited=True)
        try:
            with urllib.request.urlopen(url, timeout=request_timeout) as answer:
                if answer.status == 200:
                    return Wait(healthy=True)
                return Wait(status=answer.status)
        except urllib.error.HTTPError as error:
            error.close()  # it holds the connection
            return Wait(status=error.code)
        except (urllib.error.URLError, OSError):
            pass  # not listening yet, or the connection was refused or reset
        time.sleep(interval)
    return Wait()
