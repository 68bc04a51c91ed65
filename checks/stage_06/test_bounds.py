"""Stage 6: both sides of every bound this stage's criteria state (see bounds.py)."""

import pytest

from checks.stage_06.bounds import BOUNDS
from checks.support import bounds

PRODUCT: dict[str, object] = {}  # nothing but a name and a price
STATED = [
    r for r in bounds.stated(BOUNDS) if any(b.where != "setting" for b in bounds.of(BOUNDS, r))
]


@pytest.mark.parametrize("requirement", [pytest.param(r, marks=pytest.mark.req(r)) for r in STATED])
def test_each_bound_from_both_sides(client, data, requirement):
    """Each stated bound accepts the value at its end and answers 422 one step beyond it."""
    for bound in bounds.of(BOUNDS, requirement):
        if bound.where != "setting":
            bounds.check(client, data, bound, PRODUCT)
