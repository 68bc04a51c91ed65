"""Stage 10's README examples, each imported (or run, as a real server) and
driven the way the lesson says it behaves."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.examples.support import example_path, load_example

STAGE = "10_deployment"
EXAMPLES = example_path(STAGE, "probes.py").parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_health(process: subprocess.Popen[bytes], port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited while starting"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"nothing answered GET /health on port {port} within {timeout:g} s")


@contextlib.contextmanager
def _server(
    argv: list[str], cwd: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process in its own group, killed with its children at the end."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _environment(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", **extra}


# json_logs.py ----------------------------------------------------------------


def _record(message: str, **fields: object) -> logging.LogRecord:
    record = logging.LogRecord("shop.orders", logging.INFO, __file__, 1, message, None, None)
    if fields:
        record.fields = fields
    return record


def test_every_record_is_one_json_line_with_the_request_id_once_set() -> None:
    example = load_example(STAGE, "json_logs.py")
    formatter = example.JsonFormatter()
    line = json.loads(formatter.format(_record("starting")))
    assert line.keys() == {"time", "level", "logger", "message"}
    assert (line["level"], line["logger"], line["message"]) == ("INFO", "shop.orders", "starting")
    token = example.request_id.set("3f2a9c")
    try:
        placed = json.loads(formatter.format(_record("order placed", order_id=42)))
    finally:
        example.request_id.reset(token)
    assert placed["request_id"] == "3f2a9c"
    assert placed["order_id"] == 42
    assert "request_id" not in json.loads(formatter.format(_record("later")))


def test_a_traceback_stays_on_its_line_and_odd_values_are_written_as_text() -> None:
    example = load_example(STAGE, "json_logs.py")
    try:
        raise ConnectionError("the mail server does not answer")
    except ConnectionError:
        record = logging.LogRecord(
            "shop", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    record.fields = {"price": Decimal("12.50")}
    text = example.JsonFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["exception"].endswith("ConnectionError: the mail server does not answer")
    assert line["price"] == "12.50"


def test_run_as_a_script_it_prints_three_json_lines() -> None:
    done = subprocess.run(
        [sys.executable, str(example_path(STAGE, "json_logs.py"))],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env=_environment(),
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["message"] for line in lines] == [
        "starting",
        "order placed",
        "the receipt was not sent",
    ]
    assert [line.get("request_id") for line in lines] == [None, "3f2a9c", "3f2a9c"]
    assert lines[2]["level"] == "ERROR"
    assert lines[2]["exception"].endswith("ConnectionError: the mail server does not answer")


# access_log.py ---------------------------------------------------------------


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [r.fields for r in caplog.records if r.name == "shop.access"]  # type: ignore[attr-defined]


def test_one_access_line_per_request_with_the_id_the_response_carries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(load_example(STAGE, "access_log.py").app)
    with caplog.at_level(logging.INFO, logger="shop.access"):
        named = client.get("/products", headers={"X-Request-ID": "probe-1"})
        unnamed = client.get("/products")
        forged = client.get("/products", headers={"X-Request-ID": "a b\tc" * 30})
        missing = client.get("/nothing")
    assert named.headers["x-request-id"] == "probe-1"
    made_up = unnamed.headers["x-request-id"]
    assert len(made_up) == 32
    assert forged.headers["x-request-id"] != "a b\tc" * 30
    lines = _access_lines(caplog)
    assert [line["request_id"] for line in lines] == [
        "probe-1",
        made_up,
        forged.headers["x-request-id"],
        missing.headers["x-request-id"],
    ]
    assert [line["status"] for line in lines] == [200, 200, 200, 404]
    first = lines[0]
    assert {k: first[k] for k in ("client", "method", "path")} == {
        "client": "testclient",
        "method": "GET",
        "path": "/products",
    }
    assert isinstance(first["duration_ms"], float)


def test_a_request_that_fails_is_logged_as_500(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(load_example(STAGE, "access_log.py").app, raise_server_exceptions=False)
    with caplog.at_level(logging.INFO, logger="shop.access"):
        assert client.get("/boom").status_code == 500
    assert [(line["path"], line["status"]) for line in _access_lines(caplog)] == [("/boom", 500)]


# probes.py -------------------------------------------------------------------


def test_health_needs_nothing_and_ready_asks_the_database(tmp_path: Path) -> None:
    example = load_example(STAGE, "probes.py")
    reachable = example.make_app(f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}")
    with TestClient(reachable) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/ready").json() == {"status": "ready"}
    unreachable = example.make_app("sqlite+aiosqlite:////nonexistent-workbook-folder/shop.db")
    with TestClient(unreachable) as client:
        assert client.get("/health").status_code == 200  # alive: do not restart it
        answer = client.get("/ready")
        assert answer.status_code == 503  # not ready: send the traffic elsewhere
        assert answer.json() == {"status": "unavailable", "detail": "the database does not answer"}


def test_ready_gives_up_on_a_database_that_hangs() -> None:
    example = load_example(STAGE, "probes.py")
    # A "database" that accepts connections and never says a word.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        app = example.make_app(f"postgresql+asyncpg://shop:pw@127.0.0.1:{port}/shop", 0.5)
        with TestClient(app) as client:
            started = time.monotonic()
            answer = client.get("/ready")
            took = time.monotonic() - started
    assert answer.status_code == 503
    assert took < 5


# production_settings.py ------------------------------------------------------


def test_production_refuses_to_start_without_what_the_replicas_share(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    example = load_example(STAGE, "production_settings.py")
    for name in ("SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="SECRET_KEY, DATABASE_URL must be set"):
        example.Settings()
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://shop@db/shop")
    with pytest.raises(ValidationError, match="SECRET_KEY must be set") as refused:
        example.Settings()
    assert "DATABASE_URL" not in str(refused.value)
    monkeypatch.setenv("SECRET_KEY", "s" * 43)
    settings = example.Settings()
    assert settings.secret_key.get_secret_value() == "s" * 43
    assert "s" * 43 not in repr(settings)


def test_in_development_each_process_makes_up_its_own_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    example = load_example(STAGE, "production_settings.py")
    for name in ("SECRET_KEY", "DATABASE_URL", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    one, two = example.Settings(), example.Settings()
    assert one.environment == "development"
    assert one.secret_key.get_secret_value() != two.secret_key.get_secret_value()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ValidationError):
        example.Settings()


# graceful_shutdown.py --------------------------------------------------------


@pytest.mark.timeout(60)
def test_sigterm_finishes_the_request_in_flight_then_shuts_down(tmp_path: Path) -> None:
    port = _free_port()
    argv = [sys.executable, str(example_path(STAGE, "graceful_shutdown.py"))]
    log = tmp_path / "server.log"
    with _server(argv, tmp_path, _environment(PORT=str(port)), log) as process:
        _wait_for_health(process, port)
        answers: list[httpx.Response] = []
        slow = threading.Thread(
            target=lambda: answers.append(
                httpx.get(f"http://127.0.0.1:{port}/slow?seconds=2", timeout=20)
            )
        )
        slow.start()
        time.sleep(0.5)  # the request is in flight
        process.send_signal(signal.SIGTERM)
        # It stops accepting at once, while the slow request is still being served.
        refused = False
        deadline = time.monotonic() + 5
        while not refused and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                time.sleep(0.05)
            except OSError:
                refused = True
        slow.join(timeout=20)
        # Once done, uvicorn raises the SIGTERM again: the status says how it was stopped.
        assert process.wait(timeout=20) == -signal.SIGTERM
    assert refused
    assert answers[0].status_code == 200
    assert answers[0].json() == {"slept": 2.0}
    output = log.read_text()
    assert output.index("slow: answered after 2.0 s") < output.index("lifespan: close")


# gunicorn_settings.py --------------------------------------------------------


def _resolved(tmp_path: Path, **env: str) -> dict[str, str]:
    done = subprocess.run(
        [
            str(GUNICORN),
            "-c",
            str(example_path(STAGE, "gunicorn_settings.py")),
            "--print-config",
            "json:dumps",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        cwd=tmp_path,
        env=_environment(**env),
    )
    pairs = (line.partition("=") for line in done.stdout.splitlines())
    return {name.strip(): value.strip() for name, sep, value in pairs if sep}


def test_gunicorn_reads_the_settings_and_workers_from_the_environment(tmp_path: Path) -> None:
    settings = _resolved(tmp_path)
    assert settings["worker_class"] == "uvicorn_worker.UvicornWorker"
    assert settings["bind"] == "['0.0.0.0:8000']"
    assert settings["workers"] == "2"
    assert 5 <= int(settings["graceful_timeout"]) <= int(settings["timeout"])
    assert "*" not in settings["forwarded_allow_ips"]
    assert _resolved(tmp_path, WEB_CONCURRENCY="3")["workers"] == "3"


@pytest.mark.timeout(90)
def test_under_gunicorn_every_line_is_json_and_sigterm_stops_it(tmp_path: Path) -> None:
    port = _free_port()
    argv = [
        str(GUNICORN),
        "-c",
        str(example_path(STAGE, "gunicorn_settings.py")),
        "-b",  # on the command line, -b wins over the file's bind
        f"127.0.0.1:{port}",
        "--pythonpath",
        str(EXAMPLES),
        "--no-control-socket",
        "probes:app",
    ]
    log = tmp_path / "gunicorn.log"
    with _server(argv, tmp_path, _environment(WEB_CONCURRENCY="1"), log) as process:
        _wait_for_health(process, port)
        assert httpx.get(f"http://127.0.0.1:{port}/ready", timeout=10).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    lines = [json.loads(line) for line in io.StringIO(log.read_text()) if line.strip()]
    messages = [line["message"] for line in lines]
    assert any(message.startswith("Starting gunicorn") for message in messages)
    assert "Application startup complete." in messages
    assert messages[-1] == "Shutting down: Master"
    assert all(line["level"] in {"INFO", "WARNING"} for line in lines)
