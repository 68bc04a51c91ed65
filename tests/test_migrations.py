"""Stage 9's migrations against the real thing: a database made by the stage 8
solution, with data in it, adopts Alembic (`stamp 0001`), upgrades to head with
nothing lost, answers through both versions, and downgrades back to exactly
the stage 8 schema. The learner's checks (9.8) build their stage 8 database
from the learner's own 0001; this test proves the reference 0001 *is* stage 8.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from checks.support import databases
from tests.conftest import STAGES, need

STAGE_8 = next(s for s in STAGES if s.name.startswith("08_"))
MIGRATED = next((s for s in STAGES if (s.solution / "alembic.ini").is_file()), None)
pytestmark = pytest.mark.skipif(MIGRATED is None, reason="no stage has Alembic migrations yet")

ADMIN = {
    "FIRST_ADMIN_USERNAME": "migration_admin",
    "FIRST_ADMIN_EMAIL": "migration_admin@example.com",
    "FIRST_ADMIN_PASSWORD": "Migration-admin-pass",
}
PRICES = ["19.99", "0.1", "1234.5", "7", "99999.99"]

# Run in the stage 8 solution's folder: fills its database through its own API.
FILL_STAGE_8 = """
import json, os, sys
from fastapi.testclient import TestClient
from app.main import app

prices = json.loads(sys.argv[1])
with TestClient(app) as client:
    def token(username, password):
        answer = client.post("/auth/token", data={"username": username, "password": password})
        return {"Authorization": "Bearer " + answer.json()["access_token"]}
    boss = token(os.environ["FIRST_ADMIN_USERNAME"], os.environ["FIRST_ADMIN_PASSWORD"])
    ids = []
    for number, price in enumerate(prices):
        body = {"name": f"Lamp {number}", "price": float(price), "tags": ["gift"], "stock": 9}
        answer = client.post("/products", json=body, headers=boss)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    client.post("/users", json={"username": "buyer", "email": "buyer@example.com",
                                "password": "Buyer-pass-123"}).raise_for_status()
    buyer = token("buyer", "Buyer-pass-123")
    order = client.post("/orders", json={"product_id": ids[0], "quantity": 2}, headers=buyer)
    assert order.status_code == 201, order.text
    print(json.dumps({"ids": ids, "buyer": buyer}))
"""

# Run in the stage 9 solution's folder, after the upgrade: reads it back.
READ_STAGE_9 = """
import json, sys
from fastapi.testclient import TestClient
from app.main import app

buyer = json.loads(sys.argv[1])
with TestClient(app) as client:
    def ok(path, **kwargs):
        answer = client.get(path, **kwargs)
        assert answer.status_code == 200, (path, answer.status_code, answer.text)
        return answer.json()
    print(json.dumps({
        "v1": ok("/api/v1/products", params={"limit": 100}),
        "v2": ok("/api/v2/products", params={"limit": 100})["items"],
        "orders": ok("/api/v2/orders", headers=buyer)["items"],
    }))
"""


def _run(folder: Path, env: dict[str, str], *command: str) -> str:
    done = subprocess.run(
        command,
        cwd=folder,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{' '.join(command[:4])} in {folder.name}:\n{done.stderr[-3000:]}"
    return done.stdout


def _alembic(env: dict[str, str], *arguments: str) -> str:
    assert MIGRATED is not None
    return _run(MIGRATED.solution, env, sys.executable, "-m", "alembic", *arguments)


def _schema(url: str) -> dict[str, Any]:
    """Tables, columns (name, type, nullability), indexes, unique constraints and
    foreign keys, as SQLAlchemy's inspector reads them; Alembic's table left out."""

    def read(connection: Any) -> dict[str, Any]:
        found = inspect(connection)
        shape: dict[str, Any] = {}
        for table in sorted(set(found.get_table_names()) - {"alembic_version"}):
            shape[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)
                ],
                "primary key": found.get_pk_constraint(table)["constrained_columns"],
                "indexes": sorted(
                    (tuple(i["column_names"]), bool(i["unique"])) for i in found.get_indexes(table)
                ),
                "unique": sorted(
                    tuple(u["column_names"]) for u in found.get_unique_constraints(table)
                ),
                "foreign keys": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"], str(f.get("options")))
                    for f in found.get_foreign_keys(table)
                ),
            }
        if connection.dialect.name == "sqlite":
            # Not in the inspector's view, and lost by a careless batch migration:
            # without it SQLite hands a deleted newest id out again.
            rows = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'"
            )
            shape["autoincrement"] = sorted(name for (name,) in rows)
        return shape

    async def describe() -> dict[str, Any]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(read)
        finally:
            await engine.dispose()

    return asyncio.run(describe())


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    need(request.param)
    if request.param == "postgresql":
        with databases.postgres_database() as url:
            yield url
    else:
        yield databases.sqlite_database(tmp_path)


def _environment(url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "ARGON2_MEMORY_COST": "1024",
        "ARGON2_TIME_COST": "1",
        **ADMIN,
    }


def test_a_stage_8_database_upgrades_without_losing_a_cent(database: str) -> None:
    env = _environment(database)
    filled = json.loads(
        _run(STAGE_8.solution, env, sys.executable, "-c", FILL_STAGE_8, json.dumps(PRICES))
    )
    stage_8_schema = _schema(database)

    _alembic(env, "stamp", "0001")  # adopting Alembic: this database is at 0001 already
    _alembic(env, "upgrade", "head")
    _alembic(env, "check")  # the models and the migrations agree
    read = json.loads(
        _run(
            MIGRATED.solution, env, sys.executable, "-c", READ_STAGE_9, json.dumps(filled["buyer"])
        )
    )
    assert [p["id"] for p in read["v2"]] == filled["ids"]
    assert [p["price"] for p in read["v2"]] == [f"{Decimal(p):.2f}" for p in PRICES]
    assert {p["currency"] for p in read["v2"]} == {"EUR"}
    assert [Decimal(str(p["price"])) for p in read["v1"]] == [Decimal(p) for p in PRICES]
    assert [p["tags"] for p in read["v1"]] == [["gift"]] * len(PRICES)
    assert [(o["product_id"], o["quantity"]) for o in read["orders"]] == [(filled["ids"][0], 2)]

    _alembic(env, "downgrade", "0001")
    assert _schema(database) == stage_8_schema  # back to exactly what stage 8 made


def test_migration_0001_is_the_stage_8_schema(database: str, tmp_path: Path) -> None:
    env = _environment(database)
    _alembic(env, "upgrade", "0001")
    migrated = _schema(database)
    if database.startswith("sqlite"):
        made_by_stage_8 = databases.sqlite_database(tmp_path / "stage8")
        (tmp_path / "stage8").mkdir()
        _run(STAGE_8.solution, {**env, "DATABASE_URL": made_by_stage_8}, sys.executable, "-c",
             "from fastapi.testclient import TestClient\nfrom app.main import app\n"
             "with TestClient(app): pass")  # fmt: skip
        assert migrated == _schema(made_by_stage_8)
    else:
        with databases.postgres_database() as made_by_stage_8:
            _run(STAGE_8.solution, {**env, "DATABASE_URL": made_by_stage_8}, sys.executable, "-c",
                 "from fastapi.testclient import TestClient\nfrom app.main import app\n"
                 "with TestClient(app): pass")  # fmt: skip
            assert migrated == _schema(made_by_stage_8)
