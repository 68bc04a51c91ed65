"""Stage 9's schema, per check.

From this stage on the app no longer creates its tables: Alembic does
(requirement 9.8). So that the other requirements do not stand or fall with the
migrations, every check but 9.8's gets its tables from the learner's own models
(`Base.metadata.create_all` of app.data.tables), made on the check's database
right after the app is imported and before its lifespan runs. A live server
(9.9) serves the same database, so it finds them too. 9.8's checks start from
an empty database and run the learner's `alembic` themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from checks.stage_09.schema import create_schema

# The requirement whose checks build the schema with the learner's migrations.
MIGRATIONS = "9.8"


@pytest.fixture
def app(app: FastAPI, database_url: str, target: Path, request: pytest.FixtureRequest) -> FastAPI:
    """The learner's app, imported afresh, on a database that holds its schema
    (an empty one for 9.8's checks)."""
    marker = request.node.get_closest_marker("req")
    if marker is None or marker.args[0] != MIGRATIONS:
        create_schema(database_url, target)
    return app


@pytest.fixture
def graded_once(pytestconfig: pytest.Config) -> None:
    """For a check that reads only the learner's source, whatever the database:
    it runs on SQLite, and is skipped (a pass) on PostgreSQL rather than run twice."""
    if pytestconfig.getoption("--database") != "sqlite":
        pytest.skip("reads the source only: graded once, with SQLite")
