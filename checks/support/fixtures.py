"""Fixtures that hand each check a fresh copy of the app under test.

Loaded by the repository's root conftest.py. The grader passes `--target DIR`,
the folder that holds the `app/` package being graded.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from checks.support import databases
from checks.support.client import RecordingClient
from checks.support.data import RandomData
from checks.support.live import LiveServer
from workbook.engine.app_loader import AppLoadError, load_app
from workbook.seeds import SEED_ID, SEED_IN_NODEID

_load_failure = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("workbook", "FastAPI Workbook grader")
    group.addoption("--target", help="folder holding the app/ package to grade")
    group.addoption("--seed", default=None, help="seed for the checks' random data")
    group.addoption(
        "--wb-docker",
        action="store_true",
        help="stage 10: also build the image and run compose.yaml with a Docker engine",
    )
    group.addoption(
        "--wb-seeds",
        default="",
        help="run each check that draws random data once per seed: a1,b2,c3",
    )
    group.addoption(
        "--database",
        default="sqlite",
        choices=("sqlite", "postgresql"),
        help="the database each check gets (postgresql: on WORKBOOK_POSTGRES_URL)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--seed") is None:
        config.option.seed = secrets.token_hex(4)


def seeds_option(config: pytest.Config) -> list[str]:
    """The seeds given with --wb-seeds (none: one seed for the run)."""
    return [seed for seed in config.getoption("--wb-seeds", default="").split(",") if seed]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Only a check that draws random data can depend on the seed: it runs once
    # per seed, the others once. One grading run then tells whether a verdict
    # changes with the seed, without paying for an import and a start-up per seed.
    seeds = seeds_option(metafunc.config)
    if seeds and "wb_seed" in metafunc.fixturenames:
        metafunc.parametrize(
            "wb_seed", seeds, indirect=True, ids=[f"{SEED_ID}{seed}" for seed in seeds]
        )


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Path:
    """The folder being graded (it holds `app/`)."""
    folder = pytestconfig.getoption("--target")
    if not folder:
        pytest.fail("the checks need --target DIR (use `python -m workbook check`)")
    return Path(folder).resolve()


@pytest.fixture
def database_url(tmp_path: Path, pytestconfig: pytest.Config) -> Iterator[str]:
    """A clean database for this check: a new SQLite file, or a new PostgreSQL
    database (created for the check and dropped after it)."""
    if pytestconfig.getoption("--database") == "postgresql":
        with databases.postgres_database() as url:
            yield url
    else:
        yield databases.sqlite_database(tmp_path)


@pytest.fixture
def environment(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    request: pytest.FixtureRequest,
) -> dict[str, str]:
    """Fresh configuration for one check: its own database and secret, and a
    working directory of its own so relative paths never land in the target."""
    values = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "ACCESS_TOKEN_EXPIRE_MINUTES": "15",
    }
    # A check can add its own, set before the app is imported:
    # @pytest.mark.env(APP_NAME="Corner Shop", EMAIL_DELAY_SECONDS="1")
    for marker in request.node.iter_markers("env"):
        values.update({name: str(value) for name, value in marker.kwargs.items()})
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return values


@pytest.fixture
def app(target: Path, environment: dict[str, str], request: pytest.FixtureRequest) -> FastAPI:
    """The learner's app, imported afresh for this check."""
    stash = request.config.stash
    if _load_failure in stash:
        # The code has not changed since it failed to load: say it once, quickly.
        raise AppLoadError(stash[_load_failure])
    try:
        return load_app(target)
    except AppLoadError as error:
        stash[_load_failure] = str(error)
        raise


@pytest.fixture
def client(app: FastAPI) -> Iterator[RecordingClient]:
    """A TestClient used as a context manager, so the app's lifespan runs."""
    with RecordingClient(app) as test_client:
        yield test_client


@pytest.fixture
def lenient_client(app: FastAPI) -> Iterator[RecordingClient]:
    """Like `client`, but an exception in the app comes back as the 500 a real
    client would get, for checks about what a client sees when things break."""
    with RecordingClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def reload_app(target: Path, environment: dict[str, str]) -> Callable[[], FastAPI]:
    """Import the app afresh again, on the same configuration and database: a
    restart, for checks that data outlives the process."""
    return lambda: load_app(target)


@pytest.fixture
def live_server(
    app: FastAPI,
    target: Path,
    environment: dict[str, str],
    tmp_path: Path,
    pytestconfig: pytest.Config,
) -> Iterator[LiveServer]:
    """The app served by uvicorn on a free loopback port, started when the check
    first asks for its `.url` (the app is imported in-process first, through
    `app`, so a broken app is reported as such)."""
    spawner = pytestconfig.getoption("--wb-spawner", default=None)
    server = LiveServer(target, environment, tmp_path, spawner)  # starts on first use of .url
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def wb_seed(request: pytest.FixtureRequest) -> str:
    """The seed of this check's random data: one of --wb-seeds, or --seed."""
    return getattr(request, "param", None) or request.config.getoption("--seed")


@pytest.fixture
def data(request: pytest.FixtureRequest, wb_seed: str) -> RandomData:
    """The check's random data, drawn from the run's seed and the check's name."""
    # The check's name without its seed, so that `--seed a1` replays exactly
    # what the same check drew under `--wb-seeds …,a1,…`.
    name = SEED_IN_NODEID.sub("", request.node.nodeid).replace("[]", "")
    return RandomData(f"{wb_seed}:{name}")
