"""The learner's deploy/gunicorn.conf.py as Gunicorn resolves it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from checks.support import fail
from checks.support.deploy import backends


@cache
def settings(target: Path, **env: str) -> dict[str, str]:
    """Gunicorn's resolved settings (`--print-config`), read once per child."""
    if not (target / backends.CONFIG).is_file():
        fail("there is no deploy/gunicorn.conf.py", expected="deploy/gunicorn.conf.py")
    return backends.resolved_settings(target, env)


def binds(target: Path) -> list[str]:
    """The addresses Gunicorn binds, as the config resolves them: ['0.0.0.0:8000']."""
    return re.findall(r"'([^']+)'", settings(target).get("bind", ""))


def bind_port(target: Path) -> int:
    """The port of the first address Gunicorn binds (its default is 8000)."""
    for address in binds(target):
        port = address.rpartition(":")[2]
        if port.isdigit():
            return int(port)
    return 8000
