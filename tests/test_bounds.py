"""Every bound a solution's models hold is in its stage's table of bounds
(checks/stage_NN/bounds.py), every line of a table is a bound the models hold,
and a line marked "-" is stated, and tried, by an earlier stage: a new bound
cannot go unchecked. The table's checks themselves run with the stage's checks."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections import Counter

import pytest

from checks.support import bounds
from tests.conftest import STAGES
from workbook import paths
from workbook.stages import Stage

GRADED = [stage for stage in STAGES if stage.number <= 7]

# Imports the solution in a process of its own (each solution is a package
# named `app`) and prints each bound of its OpenAPI document and Settings model.
_READ = """
import importlib, json, os, sys
sys.path.insert(0, sys.argv[1])
os.environ.update(DATABASE_URL="sqlite+aiosqlite:///" + sys.argv[2] + "/b.db", SECRET_KEY="k" * 40)
from workbook.engine.app_loader import load_app
from pathlib import Path
from checks.support import bounds
app = load_app(Path(sys.argv[3]))
found = bounds.from_openapi(app.openapi())
try:
    settings = importlib.import_module("app.settings")
except ImportError:
    settings = None
if settings is not None and hasattr(settings, "Settings"):
    found += bounds.from_settings(settings.Settings.model_json_schema())
print(json.dumps([str(bound) for bound in found]))
"""


def _model_bounds(stage: Stage, tmp_path) -> Counter[str]:
    import json

    done = subprocess.run(
        [sys.executable, "-c", _READ, str(paths.REPO), str(tmp_path), str(stage.solution)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return Counter(json.loads(done.stdout.strip().splitlines()[-1]))


def _table(stage: Stage) -> list[bounds.Bound]:
    try:
        module = importlib.import_module(f"checks.stage_{stage.number:02d}.bounds")
    except ModuleNotFoundError:
        return []
    return module.BOUNDS


@pytest.mark.parametrize("stage", GRADED, ids=lambda stage: stage.name)
def test_every_bound_in_the_models_is_in_the_table(stage: Stage, tmp_path) -> None:
    in_models = _model_bounds(stage, tmp_path)
    in_table = Counter(str(bound) for bound in _table(stage))
    unchecked = sorted((in_models - in_table).elements())
    assert unchecked == [], (
        f"bounds in {stage.name}'s models that checks/stage_{stage.number:02d}/bounds.py "
        "does not list (give each the requirement that states it, or '-')"
    )
    assert sorted((in_table - in_models).elements()) == [], "lines for bounds no model holds"


@pytest.mark.parametrize("stage", GRADED, ids=lambda stage: stage.name)
def test_every_line_names_a_requirement_that_states_it(stage: Stage) -> None:
    known = {requirement.id for requirement in stage.requirements}
    stated_earlier = {
        str(bound)
        for earlier in GRADED
        if earlier.number < stage.number
        for bound in _table(earlier)
        if bound.requirement
    }
    for bound in _table(stage):
        if bound.requirement is None:
            assert str(bound) in stated_earlier, f"'- {bound}': no earlier stage states it"
        else:
            assert bound.requirement in known, f"{bound.requirement} {bound}: no such requirement"
            assert bound.where == "setting" or (bound.method, bound.path) in bounds.BUILDERS, (
                f"{bound}: checks/support/bounds.py has no valid request of {bound.method} "
                f"{bound.path} to try it on"
            )


def test_a_table_line_reads_back_as_written() -> None:
    text = """
    2.4 POST /users body username len 3..32
    3.4 POST /products body tags[] len 1..30
    5.4 POST /products/price-changes body changes[].price num >0
    6.5 POST /products body stock int 0..1_000_000
    7.1 setting EMAIL_DELAY_SECONDS num 0..60
    - GET /users query offset int 0..
    """
    lines = [line.strip() for line in text.strip().splitlines()]
    parsed = bounds.parse(text)
    assert [f"{b.requirement or '-'} {b}" for b in parsed] == lines
    with pytest.raises(ValueError, match="not a bound"):
        bounds.parse("2.4 POST /users body username length 3 to 32")


def test_both_sides_of_each_kind_of_bound() -> None:
    def sizes(line: str) -> list[tuple[float, bool]]:
        return [(size, ok) for _, size, ok in bounds.sides(bounds.parse(line)[0])]

    assert sizes("2.4 POST /users body username len 3..32") == [
        (3, True), (2, False), (32, True), (33, False)
    ]  # fmt: skip
    assert sizes("2.6 POST /products body description len ..500") == [(500, True), (501, False)]
    assert sizes("2.6 POST /products body name len 1..100")[:2] == [(1, True), (0, False)]
    assert sizes("2.6 POST /products body price num >0") == [(0.01, True), (0, False)]
    assert sizes("5.2 setting ACCESS_TOKEN_EXPIRE_MINUTES int >0") == [(1, True), (0, False)]
    assert sizes("3.2 GET /products query offset int 0..") == [(0, True), (-1, False)]
    # A list cannot have -1 items: only the upper end is tried for ..10.
    assert sizes("3.4 POST /products body tags items ..10") == [(10, True), (11, False)]
