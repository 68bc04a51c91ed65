"""Messages that say what was expected, and excerpts instead of raw dumps
(issue 10, item 7)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import httpx2
import pytest

from checks.support.failures import CheckFailure, expect_header, expect_json, json_excerpt
from workbook.engine.classify import classify
from workbook.engine.results import excerpt


def _response(body: object, headers: dict[str, str] | None = None) -> httpx2.Response:
    request = httpx2.Request("GET", "http://testserver/products")
    return httpx2.Response(200, json=body, headers=headers, request=request)


def test_a_list_in_reverse_order_says_which_order_was_expected() -> None:
    products = [{"id": 1}, {"id": 2}, {"id": 3}]
    with pytest.raises(CheckFailure) as failure:
        expect_json(_response(products[::-1]), products)
    assert "reverse order" in failure.value.message
    assert "the first one first" in failure.value.message


def test_a_missing_header_says_which_response_lacked_it() -> None:
    replay = "the retry with the same Idempotency-Key"
    with pytest.raises(CheckFailure) as failure:
        expect_header(_response({}), "location", "/products/1", about=replay)
    assert failure.value.message == f"{replay} has no location header"


class _Config:
    def __init__(self, target: Path) -> None:
        self.target = target

    def getoption(self, name: str) -> str:
        return str(self.target)


class _Item:
    funcargs: dict = {}  # noqa: RUF012 - read only

    def __init__(self, target: Path) -> None:
        self.config = _Config(target)


def _conflict_raised_in(target: Path) -> BaseException:
    """A ConflictError raised from a learner's repository module."""
    module = target / "app" / "repository.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "class ConflictError(Exception):\n    pass\n\n\n"
        "def add():\n    raise ConflictError('UNIQUE constraint failed: users.email')\n"
    )
    spec = importlib.util.spec_from_file_location("learner_repository", module)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    try:
        loaded.add()
    except Exception as error:
        return error
    raise AssertionError("add() did not raise")


def test_a_conflict_error_that_escapes_the_route_says_a_409_was_expected(tmp_path: Path) -> None:
    target = tmp_path / "work"
    outcome = classify(_Item(target), _conflict_raised_in(target), "call")  # type: ignore[arg-type]
    assert outcome["kind"] == "crash"
    assert "your code raised ConflictError" in outcome["message"]
    assert outcome["expected"].startswith("status 409 Conflict")


SCHEMA = {
    "openapi": "3.1.0",
    "info": {"title": "Shop API", "version": "0.1.0"},
    "paths": {
        f"/things/{n}": {"get": {"summary": "Read " * 20, "responses": {"200": {}}}}
        for n in range(12)
    },
}


def test_a_long_json_body_is_outlined_not_dumped() -> None:
    body = json.dumps(SCHEMA)
    shown = excerpt(body)
    assert len(shown) < 400
    assert '"info": {"title": "Shop API", "version": "0.1.0"}' in shown
    assert "… 4 more" in shown  # twelve paths, eight shown
    assert excerpt('{"id": 1}') == '{"id": 1}'  # a short body stays as it came


def test_json_excerpt_shows_the_part_that_matters() -> None:
    shown = json_excerpt(SCHEMA, "paths", "/things/1", "get", "responses")
    assert shown == 'paths → /things/1 → get → responses: {"200": {}}'
