"""Stage 7's examples do what its README says they do."""

from __future__ import annotations

import asyncio
import logging
import runpy
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from tests.examples.support import example_path, load_example

STAGE = "07_background_tasks"


def test_after_response_answers_201_and_the_test_client_waits_for_the_task(
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = TestClient(load_example(STAGE, "after_response.py").app)
    response = client.post("/signups", json={"email": "ada@example.com"})
    assert response.status_code == 201
    assert response.json() == {"email": "ada@example.com"}
    assert capsys.readouterr().out == "welcome sent to ada@example.com\n"


def test_after_response_drops_nothing_but_refuses_a_bad_address(
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = TestClient(load_example(STAGE, "after_response.py").app)
    assert client.post("/signups", json={"email": "not an address"}).status_code == 422
    assert capsys.readouterr().out == ""  # no route ran, so no task was added


def test_client_waits_runs_the_task_before_it_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runpy.run_path(str(example_path(STAGE, "client_waits.py")), run_name="__main__")
    assert capsys.readouterr().out == "['task ran']\n"


def test_audit_dependency_shares_the_routes_task_list() -> None:
    example = load_example(STAGE, "audit_dependency.py")
    assert TestClient(example.app).delete("/notes/7").status_code == 204
    # One list per request: the route's task first, the dependency's after it.
    assert example.written == ["note 7 gone", "delete note 7"]


def test_own_session_reads_the_user_by_id_and_copes_with_a_deleted_one(tmp_path: Path) -> None:
    example = load_example(STAGE, "own_session.py")

    async def scenario() -> list[str]:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}")
        try:
            async with engine.begin() as connection:
                await connection.run_sync(example.Base.metadata.create_all)
            sessions = async_sessionmaker(engine, expire_on_commit=False)
            async with sessions.begin() as session:
                session.add(example.User(id=1, email="ada@example.com"))
            await example.send_welcome(sessions, 1)
            await example.send_welcome(sessions, 2)  # nobody: no email, no error
            return example.sent
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == ["ada@example.com"]


def test_email_sender_is_replaced_by_a_dependency_override(
    capsys: pytest.CaptureFixture[str],
) -> None:
    example = load_example(STAGE, "email_sender.py")
    client = TestClient(example.app)
    assert client.post("/signups", params={"email": "ada@example.com"}).status_code == 201
    assert "To: ada@example.com\nSubject: Welcome" in capsys.readouterr().out

    class FakeSender:
        def __init__(self) -> None:
            self.sent: list[str] = []

        async def send(self, *, to: str, subject: str, body: str) -> None:
            self.sent.append(to)

    fake = FakeSender()
    example.app.dependency_overrides[example.get_email_sender] = lambda: fake
    try:
        client.post("/signups", params={"email": "bob@example.com"})
    finally:
        example.app.dependency_overrides.clear()
    assert fake.sent == ["bob@example.com"]
    assert capsys.readouterr().out == ""  # the real sender sent nothing


def test_log_failures_logs_the_traceback_and_raises_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    example = load_example(STAGE, "log_failures.py")
    with caplog.at_level(logging.ERROR):
        asyncio.run(example.send_welcome_email(42))
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "Background task send_welcome_email(42) failed"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ConnectionError)
