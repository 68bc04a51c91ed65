"""The Docker mode of stage 10: where a Docker engine answers, the learner's
image is built and compose.yaml started for real, and the same HTTP requests
are sent to nginx's published port.

Only with `make check STAGE=10 ARGS=--docker`, and only where `docker info`
answers: the grade is the native one (the other checks), which every machine
can run; this is a second look at the real thing. `Plan` holds the commands,
so that a machine without an engine (CI) can still test how they are built.

The project gets a name of its own (`-p workbook-<id>`), so nothing of the
learner's own `docker compose up` is touched; the secrets are the grader's,
passed in the environment, and an empty `--env-file` keeps the learner's
`.env` out; `down --volumes` removes what the run made, whatever happened.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from checks.support.deploy import compose
from workbook.engine.docker import engine_available

__all__ = ["Plan", "engine_available", "published_port"]

# `docker compose up --wait` returns once every service is running and healthy.
UP_TIMEOUT = 300


def published_port(described: compose.Compose) -> int | None:
    """The host port nginx publishes (`"8080:80"` → 8080), if it publishes one."""
    for name in described.nginx:
        for entry in described.services[name].get("ports") or []:
            text = str(entry.get("published", "")) if isinstance(entry, dict) else str(entry)
            match = re.match(r"^(?:[\d.]+:)?(\d+):\d+", text) or re.match(r"^(\d+)$", text)
            if match:
                return int(match.group(1))
    return None


@dataclass
class Plan:
    """The docker commands of one run, and the environment they get."""

    root: Path
    env_file: Path
    project: str = field(default_factory=lambda: f"workbook-{secrets.token_hex(4)}")
    docker: str = "docker"
    # The grader's secrets: what a deployment would take from its vault.
    variables: dict[str, str] = field(
        default_factory=lambda: {
            "SECRET_KEY": secrets.token_urlsafe(32),
            "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
        }
    )

    def _compose(self, *words: str) -> list[str]:
        return [
            self.docker,
            "compose",
            "--project-name",
            self.project,
            "--project-directory",
            str(self.root),
            "--env-file",
            str(self.env_file),
            "-f",
            str(self.root / "compose.yaml"),
            *words,
        ]

    def build(self) -> list[str]:
        return self._compose("build", "--pull")

    def up(self) -> list[str]:
        return self._compose("up", "--detach", "--wait", "--wait-timeout", str(UP_TIMEOUT))

    def logs(self) -> list[str]:
        return self._compose("logs", "--no-color", "--tail", "40")

    def down(self) -> list[str]:
        return self._compose("down", "--volumes", "--remove-orphans", "--timeout", "20")

    def environment(self, base: dict[str, str]) -> dict[str, str]:
        return {**base, **self.variables}
