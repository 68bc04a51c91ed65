"""Where a change sits in a Python source: the innermost function or class
that holds it, else the top-level statements it touches. The skeleton's
consistency test and the requirement-order rebuild both cut sources this way.
"""

from __future__ import annotations

import ast
import re

# A requirement named in a skeleton: `TODO 4.2`.
TODO = re.compile(r"\bTODO (\d+\.\d+)\b")

Span = tuple[int, int]


def named_blocks(source: str) -> dict[str, Span]:
    """Every function and class, by qualified name, as 1-based inclusive spans
    (decorators included)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found: dict[str, Span] = {}

    def visit(nodes: list[ast.stmt], prefix: str) -> None:
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                found[prefix + node.name] = (start, node.end_lineno or node.lineno)
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return found


def _spans(source: str) -> tuple[list[Span], list[Span]]:
    """(functions and classes, top-level statements) as 1-based inclusive spans."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [], []
    blocks = list(named_blocks(source).values())
    top = []
    for node in tree.body:
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        top.append((start, node.end_lineno or node.lineno))
    return blocks, top


def region_around(source: str, first: int, last: int) -> tuple[int, int]:
    """The lines of the skeleton that stand for a hunk at lines first..last
    (1-based; last == first - 1 when the skeleton side is empty)."""
    blocks, top = _spans(source)
    low, high = (first, last) if last >= first else (last, first)
    # Where the skeleton side is empty, the hunk sits between two lines: a
    # block that starts right after the gap does not hold it.
    inside = [
        b for b in blocks if b[0] <= low and high <= b[1] and not (last < first and b[0] == first)
    ]
    if inside:
        return min(inside, key=lambda b: b[1] - b[0])
    spans = [t for t in top if t[0] <= high and low <= t[1]] + [(low, high)]
    return min(t[0] for t in spans), max(t[1] for t in spans)


def is_import_line(line: str) -> bool:
    """A line that only imports (or is blank, or a bracket or name of a
    parenthesised import): a change of such lines follows the code."""
    stripped = line.strip()
    return (
        not stripped
        or stripped.startswith(("import ", "from "))
        or stripped in (")", "(")
        or (stripped.endswith(",") and stripped[:-1].replace(".", "").replace("_", "").isalnum())
    )
