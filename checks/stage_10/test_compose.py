"""Stage 10, requirement 10.5: compose.yaml describes the deployment:
replicas, nginx on one port, PostgreSQL with a health check and a volume,
secrets from the environment, migrations once. Read with PyYAML, and by
Docker Compose itself where its binary is installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.stage_10.image import workdir
from checks.support import fail
from checks.support.deploy import compose, dockerfile, tools
from checks.support.deploy.findings import Finding, expect_none

FILE = "compose.yaml"


def _compose(target: Path) -> compose.Compose:
    if not (target / FILE).is_file():
        fail("there is no compose.yaml in the stage folder", expected="compose.yaml")
    try:
        return compose.load(target / FILE)
    except Exception as error:
        fail(f"compose.yaml does not parse: {error}", expected="valid YAML")


def _entrypoint_migrates(target: Path) -> bool:
    """Whether the image's entrypoint runs the migrations before the server:
    `alembic upgrade` in the ENTRYPOINT itself, or in a script of the stage
    folder it names (relative, or absolute under WORKDIR)."""
    path = target / dockerfile.FILE
    if not path.is_file():
        return False
    parsed = dockerfile.load(path)
    words = " ".join(i.value for i in parsed.of("ENTRYPOINT"))
    root = f"{workdir(parsed)}/".replace("//", "/")
    texts = [words]
    for word in (w.strip("[]\",' ") for w in words.split()):
        script = target / word.removeprefix(root).lstrip("/") if word else None
        if script is not None and script.is_file():
            texts.append(script.read_text(errors="replace"))
    text = "\n".join(texts)
    return "alembic" in text and "upgrade" in text


def _migrations_once(target: Path, described: compose.Compose) -> list[Finding]:
    if described.release_steps or _entrypoint_migrates(target):
        return []
    return [
        Finding(
            "release-step",
            FILE,
            None,
            "nothing runs the migrations before the replicas start",
            'a `migrate` service (`command: ["alembic", "upgrade", "head"]`) that the '
            "apps wait for with `condition: service_completed_successfully`",
        )
    ]


@pytest.mark.req("10.5")
def test_compose_describes_replicas_behind_nginx_on_postgres(target: Path) -> None:
    described = _compose(target)
    expect_none(
        [
            *compose.app_replicas(described),
            *compose.nginx_publishes_one_port(described),
            *compose.nginx_mounts_the_config(described),
            *compose.postgres_with_healthcheck_and_volume(described),
            *compose.apps_wait_for_database(described),
            *compose.database_port_not_published(described),
            *_migrations_once(target, described),
        ],
        "two or more replicas, nginx publishing one port, PostgreSQL with a health check "
        "and a volume, and the migrations run once before the apps",
    )


@pytest.mark.req("10.5")
def test_secrets_come_from_the_environment(target: Path) -> None:
    expect_none(
        compose.secrets_from_environment(_compose(target)),
        "every secret written `${NAME:?}`, none in the file",
    )


@pytest.mark.req("10.5")
def test_docker_compose_accepts_it_and_refuses_it_without_the_secrets(target: Path) -> None:
    """A second opinion, where Docker Compose is installed (it is optional: the
    rules above are the grade)."""
    _compose(target)
    if not tools.compose().found:
        pytest.skip("Docker Compose is not installed: compose.yaml was read with PyYAML only")
    secrets = {"SECRET_KEY": "s" * 43, "POSTGRES_PASSWORD": "p" * 22}
    accepted = compose.config(target / FILE, secrets)
    if accepted.returncode != 0:
        fail(
            f"`docker compose config` refuses compose.yaml:\n{accepted.error[-800:]}",
            expected="a file Docker Compose accepts",
        )
    refused = compose.config(target / FILE, {})
    if refused.returncode == 0:
        fail(
            "`docker compose config` accepts compose.yaml with no SECRET_KEY or "
            "POSTGRES_PASSWORD set: the replicas would start with empty secrets",
            expected="${SECRET_KEY:?set SECRET_KEY}, so that Compose refuses to start",
        )
