"""Stage 6's examples do what its README says they do, on a temporary SQLite
file (never :memory:, whose one shared connection hides what the lesson is about)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import Depends, HTTPException
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from tests.examples.support import load_example

STAGE = "06_async_db"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "shop.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def test_shop_db_keeps_its_rows_across_a_restart(database: Path) -> None:
    example = load_example(STAGE, "shop_db.py")
    with TestClient(example.app) as client:
        assert client.post("/products", params={"name": "Lamp", "stock": 3}).json() == {
            "id": 1,
            "stock": 3,
        }
    assert database.exists()  # the lifespan made it where DATABASE_URL points
    with TestClient(example.app) as client:  # a restart: create_all keeps the rows
        assert client.get("/products").json() == [{"id": 1, "name": "Lamp", "stock": 3}]


def test_shop_db_refuses_a_taken_email_with_409_and_stores_nothing(database: Path) -> None:
    with TestClient(load_example(STAGE, "shop_db.py").app) as client:
        assert client.post("/users", params={"email": "ada@example.com"}).status_code == 201
        taken = client.post("/users", params={"email": "ada@example.com"})
        assert taken.status_code == 409
        assert taken.json() == {"detail": "Email already registered"}
        # The unit of work rolled the dead transaction back: the next write works.
        assert client.post("/users", params={"email": "bob@example.com"}).json() == {"id": 2}
    rows = sqlite3.connect(database).execute("SELECT email FROM users ORDER BY id").fetchall()
    assert rows == [("ada@example.com",), ("bob@example.com",)]


def test_shop_db_takes_stock_atomically_and_keeps_ordered_products(database: Path) -> None:
    with TestClient(load_example(STAGE, "shop_db.py").app) as client:
        client.post("/products", params={"name": "Lamp", "stock": 2})
        orders = [client.post("/orders", params={"product_id": 1, "quantity": 1}) for _ in range(3)]
        assert [o.status_code for o in orders] == [201, 201, 409]
        assert orders[2].json() == {"detail": "Not enough stock"}
        assert client.get("/products").json()[0]["stock"] == 0
        # The foreign key, enforced on SQLite by the connect listener.
        refused = client.delete("/products/1")
        assert refused.status_code == 409
        assert refused.json() == {"detail": "Product has orders"}
        client.post("/products", params={"name": "Kettle", "stock": 0})
        assert client.delete("/products/2").status_code == 204
        # sqlite_autoincrement: the deleted newest id is not handed out again.
        assert client.post("/products", params={"name": "Globe", "stock": 1}).json()["id"] == 3


def test_shop_db_commits_before_the_response(database: Path) -> None:
    with TestClient(load_example(STAGE, "shop_db.py").app) as client:
        client.post("/products", params={"name": "Lamp", "stock": 1})
        # Another connection sees the row the moment the 201 has arrived.
        rows = sqlite3.connect(database).execute("SELECT name FROM products").fetchall()
        assert rows == [("Lamp",)]


def test_a_unit_of_work_that_swallows_the_error_leaves_a_500(database: Path) -> None:
    example = load_example(STAGE, "shop_db.py")

    # A default, not an annotation: this module's annotations are strings.
    async def swallowing(session=Depends(example.get_session)) -> AsyncIterator[None]:  # noqa: B008
        try:
            yield
        except Exception:
            await session.rollback()  # and no raise
        await session.commit()

    example.app.dependency_overrides[example.get_unit_of_work] = swallowing
    try:
        with TestClient(example.app, raise_server_exceptions=False) as client:
            client.post("/users", params={"email": "ada@example.com"})
            taken = client.post("/users", params={"email": "ada@example.com"})
            assert taken.status_code == 500  # not the route's 409
        with TestClient(example.app) as client:
            # FastAPI's own complaint (0.165: UnboundLocalError on `response`), not the 409.
            with pytest.raises(Exception, match="response") as raised:
                client.post("/users", params={"email": "ada@example.com"})
            assert not isinstance(raised.value, HTTPException)
    finally:
        example.app.dependency_overrides.clear()


def _run(coroutine_function, database: Path, *setup: object):  # type: ignore[no-untyped-def]
    async def main():  # type: ignore[no-untyped-def]
        engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
        try:
            async with engine.begin() as connection:
                for metadata in setup:
                    await connection.run_sync(metadata.create_all)  # type: ignore[attr-defined]
            async with async_sessionmaker(engine)() as session:
                return await coroutine_function(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def test_page_in_sql_counts_and_pages_in_the_database(tmp_path: Path) -> None:
    example = load_example(STAGE, "page_in_sql.py")

    async def scenario(session):  # type: ignore[no-untyped-def]
        session.add_all(example.ProductRow(price=price) for price in [5, 20, 7, 9, 30, 1])
        await session.flush()
        rows, total = await example.cheap_products(session, limit=2, offset=1)
        return [row.price for row in rows], total

    assert _run(scenario, tmp_path / "shop.db", example.Base.metadata) == ([7, 9], 4)


def test_claim_key_lets_one_request_own_a_key(tmp_path: Path) -> None:
    example = load_example(STAGE, "claim_key.py")

    async def scenario(session):  # type: ignore[no-untyped-def]
        first = await example.claim(session, "k-1", "digest-a")
        again = await example.claim(session, "k-1", "digest-b")
        other = await example.claim(session, "k-2", "digest-a")
        stored = await session.get(example.IdempotencyKeyRow, "k-1")
        return first, again, other, stored.fingerprint

    assert _run(scenario, tmp_path / "keys.db", example.Base.metadata) == (
        True,
        False,
        True,
        "digest-a",
    )
