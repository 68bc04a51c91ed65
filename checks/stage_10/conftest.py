"""Stage 10's fixtures: the deployment the checks share, and the skeleton's
"to do".

One service (two backends) and one nginx in front of it (deployment.py) per
grading child, each built by the first check that asks for it and healed
before each later one: starting them costs seconds, and the stage runs in one
child (stage.toml, workers = 1), whose pytest loop keeps session fixtures
from one check to the next. 10.3 and 10.6 ask for the backends alone, so they
do not depend on nginx.conf (10.7).
Its database is a PostgreSQL role of its own where the stage is graded on
PostgreSQL, else one SQLite file in WAL mode that both backends share.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.stage_10.deployment import LEARNER_FILES, Deployment, Service, behind_nginx, serve
from checks.support import databases
from checks.support.deploy import backends
from checks.support.marks import holds_todo
from workbook.outcomes import CheckFailure, Todo


@pytest.fixture(scope="session")
def shared_database(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The one database every backend of the deployment opens."""
    if pytestconfig.getoption("--database") == "postgresql":
        with databases.postgres_database() as url:
            yield url
    else:
        yield backends.shared_sqlite(tmp_path_factory.mktemp("shared"))


@pytest.fixture(scope="session")
def _service(
    target: Path, shared_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    with serve(target, shared_database, tmp_path_factory.mktemp("service")) as service:
        yield service


@pytest.fixture
def service(_service: Service) -> Service:
    """The shared backends, healed: both running, neither stopped."""
    _service.heal()
    return _service


@pytest.fixture(scope="session")
def _deployment(
    _service: Service, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    with behind_nginx(_service, tmp_path_factory.mktemp("nginx")) as deployment:
        yield deployment


@pytest.fixture
def deployment(_deployment: Deployment) -> Deployment:
    """The shared service behind nginx, healed: both backends up, nginx fresh."""
    _deployment.heal()
    return _deployment


def _requirement(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("req")
    return str(marker.args[0]) if marker else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    return (yield from _todo_while_marked(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    return (yield from _todo_while_marked(item))


def _todo_while_marked(item: pytest.Item) -> Iterator[None]:
    """A check that fails while the stage folder still says `TODO 10.k` for its
    requirement reports the work as to do, with what it found."""
    try:
        return (yield)
    except CheckFailure as failure:
        requirement = _requirement(item)
        target = Path(str(item.config.getoption("--target")))
        if requirement and holds_todo(target, requirement, LEARNER_FILES):
            still = f"(requirement {requirement}, still marked TODO)"
            raise Todo(f"{failure.message} {still}") from None
        raise
