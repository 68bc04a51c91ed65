"""Stage 7: both sides of every bound this stage's criteria state (see bounds.py)."""

import pytest

from checks.stage_07.bounds import BOUNDS
from checks.support import bounds
from checks.support.client import RecordingClient
from workbook.engine.app_loader import load_app


@pytest.mark.parametrize("requirement", bounds.http_requirements(BOUNDS))
def test_each_bound_from_both_sides(client, data, requirement):
    """Each stated bound accepts the value at its end and answers 422 one step beyond it."""
    bounds.check_requests(client, data, BOUNDS, requirement)


@pytest.mark.req("7.1")
def test_each_setting_bound_from_both_sides(target, environment, monkeypatch):
    """The app starts with a setting at the end of its bound and refuses one step beyond it."""

    def start():
        with RecordingClient(load_app(target)):
            pass  # the lifespan ran: the app started

    for bound in bounds.of(BOUNDS, "7.1"):
        if bound.where == "setting":
            bounds.check_setting(bound, start, monkeypatch)
