"""The generator that makes a skeleton from its solution's marked blocks."""

from __future__ import annotations

import pytest

from workbook.skeletons import MarkerError, render

SUMMARIES = {"1.2": 'GET /health answers {"status": "ok"}', "1.1": "give the app a title"}


def test_a_block_becomes_a_todo_at_its_indentation() -> None:
    source = 'def health():\n    # SOLUTION 1.2\n    return {"status": "ok"}\n    # END SOLUTION\n'
    assert render(source, SUMMARIES) == (
        "def health():\n"
        '    raise NotImplementedError("TODO 1.2: GET /health answers {\\"status\\": \\"ok\\"}")\n'
    )


def test_a_block_with_a_stub_is_replaced_by_the_uncommented_stub() -> None:
    source = (
        "# SOLUTION 1.1\n"
        'app = FastAPI(title="Shop API")\n'
        "# STUB\n"
        "# app = FastAPI()  # TODO 1.1\n"
        "#\n"
        "# END SOLUTION\n"
        "x = 1\n"
    )
    assert render(source, SUMMARIES) == "app = FastAPI()  # TODO 1.1\n\nx = 1\n"


def test_an_empty_stub_removes_the_block() -> None:
    source = "a = 1\n# SOLUTION 1.1\nb = 2\n# STUB\n# END SOLUTION\nc = 3\n"
    assert render(source, SUMMARIES) == "a = 1\nc = 3\n"


def test_the_generated_todo_is_valid_python_that_raises() -> None:
    source = "def f():\n    # SOLUTION 1.2\n    return 1\n    # END SOLUTION\n"
    namespace: dict[str, object] = {}
    exec(compile(render(source, SUMMARIES), "skeleton", "exec"), namespace)
    with pytest.raises(NotImplementedError, match=r"^TODO 1\.2: GET /health"):
        namespace["f"]()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("# SOLUTION 1.2\nx = 1\n", "has no END SOLUTION"),
        ("# SOLUTION 9.9\nx = 1\n# END SOLUTION\n", "not in stage.toml"),
        ("x = 1\n# END SOLUTION\n", "outside a SOLUTION block"),
        ("# SOLUTION 1.2\n# SOLUTION 1.1\n# END SOLUTION\n", "cannot nest"),
        ("# SOLUTION 1.1\nx = 1\n# STUB\ny = 2\n# END SOLUTION\n", "must be a comment"),
    ],
)
def test_broken_markers_are_named(source: str, problem: str) -> None:
    with pytest.raises(MarkerError, match=problem):
        render(source, SUMMARIES, "app/main.py")
