"""The parts of the grader that make it quick: the shared queue of checks, the
live-server spawner, the parent's preloads, and the PostgreSQL roles each check
gets and the run sweeps up."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from checks.support.failures import CheckFailure
from checks.support.live import LiveServer
from tests.conftest import STAGES, need
from workbook.engine import children, grading, postgres, preloads, spawner, work_queue
from workbook.stages import find

BROKEN = Path(__file__).parent / "fixtures" / "broken"

TAKER = """
import sys
from workbook.engine.work_queue import WorkQueue
taken = []
with WorkQueue(sys.argv[1]) as queue:
    while (index := queue.take()) < 200:
        taken.append(index)
print(" ".join(map(str, taken)))
"""


@pytest.mark.skipif(not work_queue.available(), reason="the queue needs fcntl")
def test_children_sharing_the_queue_each_take_a_different_check(tmp_path: Path) -> None:
    queue = work_queue.create(tmp_path / "queue")
    takers = [
        subprocess.Popen([sys.executable, "-c", TAKER, str(queue)], stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    taken = [int(index) for taker in takers for index in taker.communicate()[0].split()]
    assert sorted(taken) == list(range(200))  # every check once, none twice


def test_preloads_follow_the_solution_and_its_database() -> None:
    on_sqlite = preloads.stage_modules(find("6"), "sqlite")
    assert {"sqlalchemy.ext.asyncio", "aiosqlite", "pydantic_settings"} <= set(on_sqlite)
    assert "sqlalchemy.dialects.postgresql.asyncpg" not in on_sqlite
    assert "asyncpg" not in on_sqlite  # imported inside a function: left for PostgreSQL
    assert "sqlalchemy.dialects.postgresql.asyncpg" in preloads.stage_modules(
        find("6"), "postgresql"
    )
    first = preloads.stage_modules(find("1"), "sqlite")
    assert not [name for name in first if name.startswith(("sqlalchemy", "app", "checks"))]


def test_a_stage_declares_live_servers_exactly_when_its_checks_use_them() -> None:
    """stage.toml's `live_server = true` starts the spawner; a stage that forgot
    it would still pass, slowly (each server a fresh interpreter), so this says."""
    import ast

    def asks_for_it(node: ast.AST) -> bool:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            # A check's argument, or a fixture's of its own.
            return any(argument.arg == "live_server" for argument in node.args.args)
        return (  # request.getfixturevalue("live_server")
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "getfixturevalue"
            and any(isinstance(a, ast.Constant) and a.value == "live_server" for a in node.args)
        )

    def uses_fixture(source: Path) -> bool:
        tree = ast.parse(source.read_text(encoding="utf-8"))
        return any(asks_for_it(node) for node in ast.walk(tree))

    for stage in STAGES:
        wanted = any(uses_fixture(source) for source in stage.checks.rglob("*.py"))
        assert stage.live_server == wanted, f"{stage.name}: live_server = {str(wanted).lower()}"
    assert find("6").live_server
    assert not find("1").live_server


@pytest.fixture
def spawner_socket(tmp_path: Path):
    if not hasattr(os, "fork"):
        pytest.skip("the spawner forks")
    path = tmp_path / "spawner.sock"
    pid = spawner.start(path, children.child_environment("test"))
    yield str(path)
    spawner.stop(pid)


def _server(target: Path, workdir: Path, socket_path: str | None) -> LiveServer:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'shop.db'}"}
    return LiveServer(target, env, workdir, socket_path)


@pytest.mark.parametrize("spawned", [True, False], ids=["spawned", "spawner gone"])
def test_a_live_server_serves_the_app_and_stops(
    tmp_path: Path, spawned: bool, request: pytest.FixtureRequest
) -> None:
    # Without an answering spawner it falls back to a `python -m uvicorn` of its own.
    socket_path = request.getfixturevalue("spawner_socket") if spawned else str(tmp_path / "gone")
    server = _server(find("6").solution, tmp_path, socket_path)
    response = httpx2.get(f"{server.url}/products", timeout=10)
    assert response.status_code == 200
    assert response.json() == []
    assert server.running()
    server.stop()
    assert not server.running()


def test_the_log_of_a_running_server_shows_what_broke(tmp_path: Path, spawner_socket: str) -> None:
    server = _server(BROKEN / "crash_in_handler", tmp_path, spawner_socket)
    assert httpx2.get(server.url + "/health", timeout=10).status_code == 500
    deadline = time.monotonic() + 5
    while "KeyError" not in server.log_tail() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "KeyError: 'current'" in server.log_tail()
    server.stop()


def test_stopping_the_spawner_ends_its_servers(tmp_path: Path) -> None:
    socket_path = tmp_path / "spawner.sock"
    pid = spawner.start(socket_path, children.child_environment("test"))
    server = _server(find("6").solution, tmp_path, str(socket_path))
    assert httpx2.get(server.url + "/", timeout=10).status_code == 200
    spawner.stop(pid)
    deadline = time.monotonic() + 5
    while server.running() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not server.running()


ORPHANING_GRADER = """
import os, sys
from pathlib import Path
from checks.support.live import LiveServer
from workbook.engine import children, spawner
from workbook.stages import find

folder = Path(sys.argv[1])
pid = spawner.start(folder / "spawner.sock", children.child_environment("test"))
env = {"DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'shop.db'}"}
server = LiveServer(find("6").solution, env, folder, str(folder / "spawner.sock"))
server.url
print(pid, server.pid, flush=True)
os._exit(0)  # killed: no clean-up at all
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_spawner_whose_grader_was_killed_ends_with_its_servers(tmp_path: Path) -> None:
    grader = subprocess.run(
        [sys.executable, "-c", ORPHANING_GRADER, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    spawner_pid, server_pid = (int(pid) for pid in grader.stdout.split())
    deadline = time.monotonic() + 10
    while (_alive(spawner_pid) or _alive(server_pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(spawner_pid)
    assert not _alive(server_pid)


@pytest.mark.parametrize("spawned", [True, False], ids=["spawned", "python -m uvicorn"])
def test_an_app_that_fails_to_start_is_reported_with_its_log(
    tmp_path: Path, spawned: bool, request: pytest.FixtureRequest
) -> None:
    socket_path = request.getfixturevalue("spawner_socket") if spawned else None
    server = _server(BROKEN / "crash_in_lifespan", tmp_path, socket_path)
    with pytest.raises(CheckFailure) as failure:
        server.url  # noqa: B018 - the first use starts it
    message = str(failure.value.message)
    assert "your app stopped while uvicorn was starting it" in message
    assert "database unreachable" in message
    assert not server.running()


def test_a_role_left_behind_by_a_check_is_swept_with_its_schema() -> None:
    need("postgresql")
    role = postgres.check_role_prefix({postgres.RUN_ENV: "sweeptest"}) + "left"
    asyncio.run(
        postgres.execute(
            f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'x'",
            f'CREATE SCHEMA "{role}" AUTHORIZATION "{role}"',
        )
    )
    postgres.sweep("sweeptest")

    async def roles() -> list[str]:
        import asyncpg

        connection = await asyncpg.connect(postgres.admin_url())
        try:
            found = await connection.fetch(
                "SELECT rolname FROM pg_roles WHERE rolname = $1 UNION "
                "SELECT nspname FROM pg_namespace WHERE nspname = $1",
                role,
            )
        finally:
            await connection.close()
        return [row[0] for row in found]

    assert asyncio.run(roles()) == []


def test_both_databases_are_graded_in_one_run() -> None:
    need("postgresql")
    result = grading.grade_stage(find("6"), find("6").solution, only=frozenset({"6.4"}))
    assert result.error is None
    checks = [check for r in result.requirements for check in r.checks]
    assert checks
    assert all(check.outcome == "pass" for check in checks)
    assert any(check.nodeid.endswith("[PostgreSQL]") for check in checks)
    assert "Checked on SQLite and on PostgreSQL." in result.notes


def test_a_burst_told_in_words_replaces_the_clients_last_exchange() -> None:
    from types import SimpleNamespace

    from workbook.engine.classify import classify
    from workbook.outcomes import ExchangeRecorder

    setup = httpx2.Request("POST", "http://testserver/products", json={"name": "setup"})
    client = ExchangeRecorder()  # what RecordingClient is, as the plugin finds it
    client.last_request = setup
    client.last_response = httpx2.Response(201, json={"id": 1}, request=setup)
    item = SimpleNamespace(funcargs={"client": client})
    plain = classify(item, CheckFailure("wrong", got="2 × 500"), "call")  # type: ignore[arg-type]
    assert plain["sent"]["url"] == "/products"  # no words: the last request stands
    burst = CheckFailure("lost updates", got="20 × 201; stock 7", sent="20 × POST /orders at once")
    told = classify(item, burst, "call")  # type: ignore[arg-type]
    assert told["sent"] == {"method": "", "url": "20 × POST /orders at once", "body": ""}
    assert told["got"] == {"status": None, "content_type": "", "body": "20 × 201; stock 7"}


def test_the_one_trip_transport_builds_starlettes_scope() -> None:
    """The checks' client skips Starlette's transport (for speed) but not its
    scope: the same request seen through both is the same scope."""
    from fastapi.testclient import TestClient

    from checks.support.client import RecordingClient
    from checks.support.transport import OneTripTransport

    seen: list[dict] = []

    async def app(scope: dict, receive: object, send: object) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":  # type: ignore[operator]
                await send({"type": "lifespan.startup.complete"})  # type: ignore[operator]
            await send({"type": "lifespan.shutdown.complete"})  # type: ignore[operator]
            return
        seen.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]

    options = {"root_path": "/api", "client": ("10.0.0.7", 4321)}
    for make in (TestClient, RecordingClient):
        with make(app, **options) as client:  # type: ignore[arg-type]
            client.get("/a%20b/c?x=1&y=%C3%A9", headers={"X-Tag": "one"})
    assert isinstance(RecordingClient(app)._transport, OneTripTransport)
    assert len(seen) == 2
    assert seen[1] == seen[0]


def test_a_stage_may_cap_its_children_and_then_shares_session_fixtures(tmp_path: Path) -> None:
    """Stage 10 runs in one child (workers = 1), with no queue: pytest's own
    loop, which knows the next check, keeps the deployment its checks share
    instead of tearing it down after each."""
    from workbook.stages import StageError, load_stage

    stage = find("10")
    assert stage.workers == 1
    assert grading.shared_queue(tmp_path, 1) is None
    if work_queue.available():
        assert grading.shared_queue(tmp_path, 2) == tmp_path / "queue"
    copy = tmp_path / stage.name
    copy.mkdir()
    (copy / "stage.toml").write_text(
        (stage.folder / "stage.toml").read_text().replace("workers = 1", "workers = 0")
    )
    with pytest.raises(StageError, match="workers must be a whole number"):
        load_stage(copy)
