"""`make run`: the learner's app served as it is, with TODOs answering 501; a
busy port said plainly; the server stopped with it; the database kept aside."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import STAGES
from workbook import paths
from workbook.learner import dev_app
from workbook.learner.serve import port_taken

FIRST = STAGES[0]
WITH_DATABASE = next(s for s in STAGES if s.name.startswith("06_"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_todo_answers_501_with_its_text_and_requirement(caplog) -> None:
    app = FastAPI()

    @app.get("/todo")
    def unfinished() -> None:
        raise NotImplementedError("TODO 4.3: PUT replaces the product")

    @app.get("/abstract")
    def abstract() -> None:
        raise NotImplementedError("subclasses say how")

    dev_app.install(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/todo")
        assert answer.status_code == 501
        assert answer.json()["requirement"] == "4.3"
        assert "PUT replaces the product" in answer.json()["detail"]
        assert client.get("/abstract").status_code == 500  # not a TODO: a real error
    named = [r for r in caplog.records if "TODO 4.3" in r.getMessage()]
    assert len(named) == 1
    assert "GET /todo" in named[0].getMessage()


def test_a_todo_in_the_learners_middleware_answers_501_too() -> None:
    app = FastAPI()

    @app.middleware("http")
    async def request_id(request, call_next):
        raise NotImplementedError("TODO 5.7: every response carries X-Request-ID")

    @app.get("/")
    def root() -> dict[str, str]:
        return {}

    dev_app.install(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/")
    assert answer.status_code == 501
    assert answer.json()["requirement"] == "5.7"


def start_run(port: int, state: Path, *extra: str, stage: str = FIRST.name) -> subprocess.Popen:
    state.mkdir(parents=True, exist_ok=True)
    with (state / f"run-{port}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "workbook", "run", stage, "--port", str(port), *extra],
            cwd=paths.REPO,
            env={**os.environ, "WORKBOOK_STATE_DIR": str(state)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so the test can clean up whatever is left
        )


def wait_for(url: str, seconds: float = 30) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextlib.contextmanager
def running(port: int, state: Path, *extra: str, stage: str = FIRST.name):
    run = start_run(port, state, *extra, stage=stage)
    try:
        yield run
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=10)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_stopping_run_by_its_pid_stops_the_server(how: int, tmp_path: Path) -> None:
    port = free_port()
    with running(port, tmp_path) as run:
        answer = wait_for(f"http://127.0.0.1:{port}/users/3")
        assert answer.status_code == 501  # the skeleton's TODO 1.3, not a bare 500
        assert answer.json()["requirement"] == "1.3"
        os.kill(run.pid, how)  # the workbook process only, not its group
        run.wait(timeout=15)
        deadline = time.monotonic() + 10
        while port_taken(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not port_taken(port), "the fastapi dev server outlived `make run`"


def test_a_busy_port_says_so_and_how_to_pick_another(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        run = start_run(port, tmp_path)
        run.wait(timeout=30)
        output = (tmp_path / f"run-{port}.log").read_text()
    assert run.returncode == 2
    assert f"port {port} is already in use" in output
    assert f"make run STAGE={FIRST.number} PORT={port + 1}" in output
    assert "Server started" not in output


def _marked(database: Path) -> bool:
    with contextlib.closing(sqlite3.connect(database)) as db:
        found = db.execute("SELECT name FROM sqlite_master WHERE name = 'left_by_the_test'")
        return found.fetchone() is not None


def test_the_database_lives_under_the_state_folder_and_can_start_empty(tmp_path: Path) -> None:
    database = tmp_path / "run" / f"{WITH_DATABASE.name}.db"
    before = sorted(p.name for p in WITH_DATABASE.solution.rglob("*"))
    env_url = os.environ.pop("DATABASE_URL", None)

    def serve(*extra: str) -> None:
        port = free_port()
        with running(port, tmp_path, "--target", "solutions", *extra, stage=WITH_DATABASE.name):
            assert wait_for(f"http://127.0.0.1:{port}/health").status_code == 200

    try:
        serve()
        assert database.is_file()  # the app made its tables there
        with contextlib.closing(sqlite3.connect(database)) as db:
            db.execute("CREATE TABLE left_by_the_test (id INTEGER)")
            db.commit()
        serve()
        assert _marked(database)  # the same database the next time
        serve("--fresh")
        assert not _marked(database)  # an empty one when asked
    finally:
        if env_url is not None:
            os.environ["DATABASE_URL"] = env_url
    assert sorted(p.name for p in WITH_DATABASE.solution.rglob("*")) == before


MIGRATED = next((s for s in STAGES if (s.solution / "alembic.ini").is_file()), None)


@pytest.mark.skipif(MIGRATED is None, reason="no stage has Alembic migrations yet")
def test_a_stage_with_migrations_is_served_on_a_migrated_database(tmp_path: Path) -> None:
    """From stage 9 the app creates no table: `make run` runs `alembic upgrade
    head` first, so the learner's first request finds the schema."""
    assert MIGRATED is not None
    database = tmp_path / "run" / f"{MIGRATED.name}.db"
    env_url = os.environ.pop("DATABASE_URL", None)
    port = free_port()
    try:
        with running(port, tmp_path, "--target", "solutions", "--fresh", stage=MIGRATED.name):
            assert wait_for(f"http://127.0.0.1:{port}/health").status_code == 200
            assert httpx.get(f"http://127.0.0.1:{port}/api/v1/products").status_code == 200
    finally:
        if env_url is not None:
            os.environ["DATABASE_URL"] = env_url
    with contextlib.closing(sqlite3.connect(database)) as db:
        (version,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version  # the newest migration, applied by `make run`
