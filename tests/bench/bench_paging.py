"""Benchmark: how long `GET /products?limit=20` takes with 1,000 and with 50,000
products in the table, against a stage 6 or 7 app folder (a solution, or a
learner's stage).

Run by hand: `python tests/bench/bench_paging.py solutions/07_background_tasks`
(add `--database-url postgresql+asyncpg://user@host/db` for PostgreSQL: each
size then gets a database of its own on that server, created and dropped here).
It is not a test: timings depend on the machine. Goal (issue 9): the 50,000
figure within 3x of the 1,000 one, since a page of 20 should cost what a page
of 20 costs, whatever the size of the table.

Each size runs in a child process of its own: a fresh import of the app, a
fresh database, seeded through the app's own repository (so the rows are
stored the way that app stores them), then five timed requests through
FastAPI's TestClient; the median is reported.

Measured here (2 shared cores, load average 12-16), stage 7's solution:
  before (filtered and paged in Python, 97cdb2e)  SQLite   18.8 ms vs 2,999 ms (160x)
                                                  Postgres 54.1 ms vs 4,014 ms (74x)
  after (WHERE, count(*), OFFSET/LIMIT in SQL)    SQLite    4.2 ms vs 9.6 ms (2.3x),
                                                            6.3 ms vs 6.5 ms (1.0x)
                                                  Postgres  6.0 ms vs 6.1 ms (1.0x)
Under such load a single run can land far off (one gave 3.3 vs 55 ms): run it
again before drawing a conclusion. On PostgreSQL, count(*) reads every row (or
an index): 10-20 ms at 50,000 before VACUUM, much less after it (an index-only
scan).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (1_000, 50_000)
RUNS = 5
# Rows are committed in batches: one transaction per row would time the seeding, not the list.
BATCH = 2_000


async def _seed(count: int, database_url: str) -> None:
    """`count` products, added through the app's repository in a few transactions."""
    from app.repository import Repository
    from app.tables import Base
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    words = ["lamp", "kettle", "Straße", "garden", "chair", "book", "robot", "mug"]
    randomness = random.Random(6)
    for start in range(0, count, BATCH):
        async with sessions() as session:
            repository = Repository(session)
            for number in range(start, min(count, start + BATCH)):
                await repository.products.add(
                    name=f"{randomness.choice(words)} {number}",
                    price=round(randomness.uniform(1, 500), 2),
                    description=None,
                    category="other",
                    tags=randomness.sample(["gift", "sale", "new", "eco"], 2),
                    stock=randomness.randint(0, 50),
                )
            await session.commit()
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a table that has settled: statistics for the
        # planner, and a visibility map that lets count(*) read only an index.
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM ANALYZE")
    await engine.dispose()


def child(folder: str, count: int, database_url: str) -> None:
    """Seed, then time the list; print one JSON line with the median in seconds."""
    sys.path.insert(0, str(Path(folder).resolve()))
    os.environ["DATABASE_URL"] = database_url
    asyncio.run(_seed(count, database_url))

    from app.main import app
    from fastapi.testclient import TestClient

    timings = []
    with TestClient(app) as client:
        client.get("/products", params={"limit": 20})  # warm up: imports, the pool
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get("/products", params={"limit": 20})
            timings.append(time.perf_counter() - started)
            if response.status_code != 200 or len(response.json()) != 20:
                raise SystemExit(f"GET /products?limit=20 answered {response.status_code}")
    print(json.dumps({"count": count, "median": statistics.median(timings)}))


async def _recreate(server_url: str, name: str, drop_only: bool = False) -> None:
    """Create (or drop) the database `name` on the PostgreSQL server of `server_url`."""
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(server_url).set(drivername="postgresql")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not drop_only:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def _database_for(count: int, server_url: str | None, scratch: str) -> str:
    """A fresh, empty database for one size."""
    if server_url is None:
        return f"sqlite+aiosqlite:///{scratch}/bench_{count}.db"
    from sqlalchemy.engine import make_url

    name = f"bench_paging_{count}"
    asyncio.run(_recreate(server_url, name))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", help="an app folder: the one that holds app/")
    parser.add_argument("--database-url", help="default: a fresh SQLite file per size")
    parser.add_argument("--child", nargs=2, metavar=("COUNT", "URL"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.folder, int(arguments.child[0]), arguments.child[1])
        return
    medians = {}
    with tempfile.TemporaryDirectory() as scratch:
        for count in SIZES:
            url = _database_for(count, arguments.database_url, scratch)
            found = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    str(Path(arguments.folder).resolve()),
                    "--child",
                    str(count),
                    url,
                ],
                capture_output=True,
                text=True,
                check=False,
                cwd=scratch,
            )
            if arguments.database_url:
                asyncio.run(_recreate(arguments.database_url, f"bench_paging_{count}", True))
            if found.returncode != 0:
                raise SystemExit(found.stderr or found.stdout)
            medians[count] = json.loads(found.stdout.strip().splitlines()[-1])["median"]
            print(f"{count:>7,} products: {medians[count] * 1000:8.1f} ms (median of {RUNS})")
    ratio = medians[SIZES[-1]] / medians[SIZES[0]]
    print(f"ratio {SIZES[-1]:,} / {SIZES[0]:,}: {ratio:.1f}x (goal: at most 3x)")


if __name__ == "__main__":
    main()
