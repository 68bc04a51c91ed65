"""Correct solutions written in another style than the reference pass every
requirement: a check must not demand more than its criterion says."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import STAGES, need
from workbook.authoring import variants
from workbook.authoring.variants import Variant
from workbook.engine import grading

ALL = [variant for stage in STAGES for variant in variants.of_stage(stage)]
# Each variant on the database it names (SQLite unless it is about another): a
# variant differs from the solution in style, and the solution itself is graded
# on every database its stage names. On both, the variants cost CI a minute.
CASES = [
    pytest.param(variant, variant.database, id=f"{variant}-{variant.database}") for variant in ALL
]


@pytest.mark.parametrize(("variant", "database"), CASES)
def test_the_variant_passes_every_requirement(
    variant: Variant, database: str, tmp_path: Path
) -> None:
    need(database)
    target = variants.apply(variant, tmp_path / variant.stage.name)
    result = grading.grade(variant.stage, target, database=database)
    assert result.error is None, result.error
    wrong = {r.id: r.message for r in result.requirements if r.status != "pass"}
    assert not wrong, f"{variant} ({variant.description}) is marked wrong: {wrong}"


def test_every_stage_up_to_four_has_a_router_variant() -> None:
    with_routers = {v.stage.number for v in ALL if "router" in v.name}
    assert {1, 2, 3, 4} <= with_routers


def test_structure_sees_routes_on_included_routers() -> None:
    from fastapi import APIRouter, Depends, FastAPI

    from checks.support import structure

    def unit_of_work() -> None: ...

    app = FastAPI()
    writes = APIRouter(prefix="/products", dependencies=[Depends(unit_of_work)])

    @writes.post("")
    async def create() -> None: ...

    outer = APIRouter(prefix="/api")
    outer.include_router(writes)
    app.include_router(outer)

    @app.get("/health")
    def health() -> None: ...

    found = structure.route_for(app, "post", "/api/products")
    assert found is not None
    assert found.endpoint is create
    assert structure.depends_on(found, unit_of_work)
    assert not structure.depends_on(structure.route_for(app, "GET", "/health"), unit_of_work)
    assert [op.path for op in structure.operations(app)] == ["/api/products", "/health"]


def test_no_check_walks_app_routes() -> None:
    import re

    from workbook import paths

    walkers = [
        path.relative_to(paths.REPO).as_posix()
        for path in sorted(paths.CHECKS.rglob("*.py"))
        if path.name != "structure.py" and re.search(r"\.routes\b", path.read_text())
    ]
    assert not walkers, f"read the app's structure through checks.support.structure: {walkers}"
