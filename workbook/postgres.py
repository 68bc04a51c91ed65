"""Where PostgreSQL is, for the stages that are graded on it too."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

POSTGRES_ENV = "WORKBOOK_POSTGRES_URL"


def server_url() -> str | None:
    """The URL of the server to create check databases on, if one is configured."""
    return os.environ.get(POSTGRES_ENV) or None


def unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    url = server_url()
    if url is None:
        return f"{POSTGRES_ENV} is not set (e.g. postgresql://postgres@127.0.0.1:5432/postgres)"
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    try:
        with socket.create_connection((host, port), 2):
            return None
    except OSError as error:
        return f"no PostgreSQL server answers at {host}:{port} ({error.strerror or error})"
