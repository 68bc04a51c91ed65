"""Stage 1: the greeting and the health check."""

import pytest

from checks.support import expect_json, expect_status


@pytest.mark.req("1.2")
def test_root_greets(client):
    """GET / answers 200 with the welcome message."""
    response = client.get("/")
    expect_status(response, 200)
    expect_json(response, {"message": "Welcome to the Shop API"}, exact=True)


@pytest.mark.req("1.2")
def test_health_reports_ok(client):
    """GET /health answers 200 {"status": "ok"}."""
    response = client.get("/health")
    expect_status(response, 200)
    expect_json(response, {"status": "ok"}, exact=True)
