"""Stage 1: the greeting and the health check."""

import pytest

from checks.support.answers import expect_answer


@pytest.mark.req("1.2")
def test_root_greets(client):
    """GET / answers 200 with the welcome message."""
    response = client.get("/")
    expect_answer(response, 200, {"message": "Welcome to the Shop API"})


@pytest.mark.req("1.2")
def test_health_reports_ok(client):
    """GET /health answers 200 {"status": "ok"}."""
    response = client.get("/health")
    expect_answer(response, 200, {"status": "ok"})
