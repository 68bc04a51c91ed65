"""Stage 10, requirement 10.1: the Dockerfile is hadolint clean and keeps the
grader's own rules (the ones hadolint does not have)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.stage_10.gunicorn import bind_port
from checks.support import fail
from checks.support.deploy import compose, dockerfile, hadolint
from checks.support.deploy.findings import expect_none


def _dockerfile(target: Path) -> dockerfile.Dockerfile:
    path = target / dockerfile.FILE
    if not path.is_file():
        fail("there is no Dockerfile in the stage folder", expected="a Dockerfile")
    return dockerfile.load(path)


@pytest.mark.req("10.1")
def test_hadolint_finds_no_warning(target: Path) -> None:
    _dockerfile(target)
    expect_none(
        hadolint.lint(target / dockerfile.FILE),
        "hadolint to find nothing at the warning level (your .hadolint.yaml and "
        "`# hadolint ignore` comments are not read)",
    )


@pytest.mark.req("10.1")
def test_the_image_is_small_cacheable_and_safe(target: Path) -> None:
    parsed = _dockerfile(target)
    in_compose = (target / "compose.yaml").is_file() and compose.healthcheck_in_compose(
        compose.load(target / "compose.yaml")
    )
    findings = [
        *dockerfile.pinned_slim_base(parsed),
        *dockerfile.dependencies_before_source(parsed),
        *dockerfile.pip_no_cache_dir(parsed),
        *dockerfile.non_root_user(parsed),
        *dockerfile.exec_form_cmd(parsed),
        *dockerfile.healthcheck(parsed, in_compose=in_compose),
        *dockerfile.no_secret_in_env_or_arg(parsed),
    ]
    expect_none(findings, "every rule of a small, cacheable and safe image to hold")


@pytest.mark.req("10.1")
def test_expose_names_the_port_the_server_binds(target: Path) -> None:
    parsed = _dockerfile(target)
    port = dockerfile.command_port(parsed) or bind_port(target)
    expect_none(dockerfile.expose_matches(parsed, port), f"EXPOSE {port}")
