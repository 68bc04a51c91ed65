"""Stage 10, requirement 10.4: a replica answers its probes, refuses to start
when it would disagree with the others, and leaves the schema to the release
step. Each case is a backend of its own, started with the case's settings;
the three start together."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from checks.stage_10.deployment import FAST_HASHES, tables
from checks.support import expect, fail
from checks.support.deploy.backends import Backend
from checks.support.failures import body_of

# A PostgreSQL URL whose server never answers: the grader listens on the port
# and accepts nothing, so a connection waits, as on a database that hangs.
SILENT = "postgresql+asyncpg://shop:password@127.0.0.1:{port}/shop"
# /ready may take this long to say no; more is a probe that hangs.
READY_LIMIT = 8.0
# A backend whose database does not answer still starts and says it is alive
# within this many seconds (a start that waits for the database never does).
ALIVE_WITHOUT_DATABASE = 10.0
REFUSAL_WAIT = 20.0
KEY = {"SECRET_KEY": "k" * 64}


def _backend(target: Path, folder: Path, index: int, env: dict[str, str]) -> Backend:
    return Backend(index, target, folder, {**FAST_HASHES, **env})


@contextmanager
def _started(*backends: Backend) -> Iterator[None]:
    with ExitStack() as stack:
        for backend in backends:
            stack.callback(backend.kill)
            backend.start(wait=False)
        yield


@pytest.mark.req("10.4")
@pytest.mark.timeout(60)
def test_health_and_readiness_with_and_without_the_database(
    target: Path, tmp_path: Path, database_url: str
) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    unreachable_url = SILENT.format(port=silent.getsockname()[1])
    reachable = _backend(target, tmp_path, 0, {"DATABASE_URL": database_url, **KEY})
    unreachable = _backend(target, tmp_path, 1, {"DATABASE_URL": unreachable_url, **KEY})
    with contextlib.closing(silent), _started(reachable, unreachable):
        reachable.wait_until_healthy()
        # /health must not need the database, nor may the start wait for it.
        unreachable.wait_until_healthy(timeout=ALIVE_WITHOUT_DATABASE)
        ready = httpx.get(f"{reachable.url}/ready", timeout=10)
        expect(
            ready.status_code == 200,
            "GET /ready on a backend whose database answers",
            expected="200",
            response=ready,
        )
        started = time.monotonic()
        try:
            unready = httpx.get(f"{unreachable.url}/ready", timeout=READY_LIMIT)
        except httpx.TimeoutException:
            fail(
                f"GET /ready on a backend whose database does not answer hung for "
                f"{READY_LIMIT:g} s: a probe that hangs holds the balancer's connection, then "
                "counts as a failure anyway. Give the query a timeout (asyncio.timeout)",
                expected="503 within a few seconds",
            )
        expect(
            unready.status_code == 503,
            f"GET /ready on a backend whose database does not answer answered "
            f"{unready.status_code} after {time.monotonic() - started:.1f} s: the balancer "
            "would send it traffic it cannot serve",
            expected="503 Service Unavailable",
            response=unready,
        )
        body_of(unready)


@pytest.mark.req("10.4")
@pytest.mark.timeout(60)
def test_production_without_a_secret_key_refuses_to_start(
    target: Path, tmp_path: Path, database_url: str
) -> None:
    backend = _backend(
        target, tmp_path, 2, {"DATABASE_URL": database_url, "ENVIRONMENT": "production"}
    )
    backend.env = {name: value for name, value in backend.env.items() if name != "SECRET_KEY"}
    os.environ.pop("SECRET_KEY", None)
    with _started(backend):
        deadline = time.monotonic() + REFUSAL_WAIT
        while backend.running() and time.monotonic() < deadline:
            try:
                answered: int | None = httpx.get(f"{backend.url}/health", timeout=1).status_code
            except httpx.HTTPError:
                answered = None
            if answered is not None:
                fail(
                    "started with ENVIRONMENT=production and no SECRET_KEY, the backend serves "
                    f"(GET /health answered {answered}): each replica makes up its own key, "
                    "and rejects the others' tokens",
                    expected="the backend exits, naming SECRET_KEY",
                )
            time.sleep(0.2)
        expect(
            not backend.running(),
            f"started with ENVIRONMENT=production and no SECRET_KEY, the backend neither "
            f"served nor exited within {REFUSAL_WAIT:g} s",
            expected="the backend exits, naming SECRET_KEY",
        )
    output = "\n".join(backend.log_lines())
    expect(
        "SECRET_KEY" in output,
        "the backend refused to start, but its output does not say why (SECRET_KEY is not "
        f"named):\n{backend.log_tail(8)}",
        expected="a message naming SECRET_KEY",
    )


@pytest.mark.req("10.4")
@pytest.mark.timeout(60)
def test_a_backend_creates_no_table_at_startup(
    target: Path, tmp_path: Path, database_url: str
) -> None:
    backend = _backend(target, tmp_path, 3, {"DATABASE_URL": database_url, **KEY})
    with _started(backend):
        backend.wait_until_healthy()
        time.sleep(0.3)  # a worker that migrates may do it just after it answers
        made = tables(database_url)
    expect(
        not made,
        f"a backend started on an empty database made {', '.join(made)}: the app migrates "
        "(or creates tables) at startup, in every worker of every replica at once",
        expected="no table: migrations are a release step (`alembic upgrade head`, once)",
    )
