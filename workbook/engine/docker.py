"""Whether a Docker engine answers here: `docker info`, not only a CLI.

Stage 10 grades natively on every machine; `check --docker` adds a run of the
learner's image and compose.yaml where an engine answers (the checks'
checks/support/deploy/docker.py), and the report says which it was.
"""

from __future__ import annotations

import shutil
import subprocess


def engine_available(docker: str | None = None) -> bool:
    """Whether `docker info` answers with a server version."""
    binary = docker or shutil.which("docker")
    if not binary:
        return False
    try:
        done = subprocess.run(
            [binary, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and bool(done.stdout.strip())
