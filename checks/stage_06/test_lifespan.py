"""Stage 6: the lifespan opens the database named by DATABASE_URL, creates the
tables, keeps what is stored across restarts, and closes every connection."""

import threading
import time

import pytest

from checks.stage_06.shop import require_lifespan, require_tables
from checks.support import expect, expect_status, fail, todo
from checks.support.client import RecordingClient
from checks.support.database import TABLES, Database
from checks.support.shop import Shop

# aiosqlite runs each connection in a thread of its own, named after this function.
AIOSQLITE_THREAD = "_connection_worker_thread"


@pytest.mark.req("6.1")
def test_startup_creates_the_tables_where_database_url_points(
    reload_app, database_url, monkeypatch, tmp_path, data
):
    """On a new, empty database at DATABASE_URL, startup creates products, users and orders."""
    url, name = database_url, f"shop-{data.token()}.db"
    if Database(database_url).is_sqlite:
        # Not ./shop.db, the default: an app that ignores DATABASE_URL must not pass.
        url = f"sqlite+aiosqlite:///{tmp_path / name}"
        monkeypatch.setenv("DATABASE_URL", url)
    app = reload_app()
    require_lifespan(app)
    with RecordingClient(app) as client:
        response = client.get("/health")
        expect_status(response, 200, "GET /health should answer 200 once the app has started")
        database = Database(url)
        found = database.tables()
        if not set(TABLES) <= found:
            if not client.app_state.get("sessions"):
                # Stage 5's lifespan, which reads the settings and opens nothing.
                todo(
                    "the lifespan does not open the database yet: it yields no sessionmaker "
                    "and creates no tables (requirement 6.1)"
                )
            stray = sorted(path.name for path in tmp_path.glob("*.db") if path.name != name)
            elsewhere = (
                f"; meanwhile {', '.join(stray)} appeared in the working directory: "
                "is the engine made from a URL written in the code?"
                if stray
                else ""
            )
            fail(
                f"after startup, the {database.kind} database at DATABASE_URL has "
                + (f"only the tables {', '.join(sorted(found))}" if found else "no tables")
                + elsewhere
                + ". The lifespan makes the engine from get_settings().database_url and "
                "creates the tables with Base.metadata.create_all",
                expected=f"the tables {', '.join(TABLES)} in the database at DATABASE_URL",
                got=f"tables: {', '.join(sorted(found)) or 'none'}",
            )


@pytest.mark.req("6.1")
def test_records_survive_a_restart(client, app, reload_app, data, database_url):
    """Rows stored before a restart are still in the tables after it: startup drops nothing."""
    database = Database(database_url)
    require_tables(app, database)
    # Rows written with the checks' own connection: this stands on the lifespan
    # alone, whatever the routes do yet.
    users = [(data.username(), data.email()) for _ in range(data.integer(2, 4))]
    for username, email in users:
        database.execute("INSERT INTO users (username, email) VALUES (?, ?)", username, email)
    with RecordingClient(reload_app()) as again:
        expect_status(again.get("/health"), 200, "GET /health should answer 200 after a restart")
        kept = database.rows("SELECT username, email FROM users ORDER BY id")
    expect(
        [tuple(row) for row in kept] == users,
        f"{len(users)} users were in the users table before a restart, and {len(kept)} after "
        "it: does the lifespan drop the tables (drop_all) or start from an empty database? "
        "create_all creates the tables that are missing and leaves the others alone",
        expected=f"the {len(users)} rows still there after the restart",
        got=f"{len(kept)} rows",
    )


def _aiosqlite_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if AIOSQLITE_THREAD in thread.name}


@pytest.mark.req("6.1")
def test_shutdown_closes_every_connection(app, data, database_url):
    """After the app shuts down, none of its connections to the database is left open."""
    database = Database(database_url)
    require_lifespan(app)
    before = _aiosqlite_threads()
    with RecordingClient(app) as client:
        require_tables(app, database)
        # Startup created the tables through a pooled connection; a few
        # requests may take more (once the routes use the database).
        shop = Shop(client, data, requirement="6.3")
        for _ in range(3):
            shop.get("/products")

    def still_open() -> int:
        if database.is_sqlite:
            return len({t for t in _aiosqlite_threads() - before if t.is_alive()})
        return database.connections() or 0

    deadline = time.monotonic() + 2
    while still_open() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = still_open()
    expect(
        left == 0,
        f"the app has shut down, and {left} of its connections to the database are still "
        "open: dispose of the engine at the end of the lifespan (await engine.dispose() "
        "after the yield, in a finally)",
        expected="no open connection once the lifespan has ended",
        got=f"{left} connection(s) still open",
    )
