"""Stage 4: both sides of every bound this stage's criteria state (see bounds.py)."""

import pytest

from checks.stage_04.bounds import BOUNDS
from checks.support import bounds


@pytest.mark.parametrize("requirement", bounds.http_requirements(BOUNDS))
def test_each_bound_from_both_sides(client, data, requirement):
    """Each stated bound accepts the value at its end and answers 422 one step beyond it."""
    bounds.check_requests(client, data, BOUNDS, requirement)
