"""Values that stand for "any value of this kind" in an expected body, so a
check can say exactly what it expects of the parts it knows and how the rest
must look:

    expect_answer(response, 201, {**sent, "id": ANY_ID}, "POST /products …")

A matcher equals every value of its kind (`ANY_ID == 7`), and shows as what it
stands for (`"<an integer>"`) wherever the report prints an expected body.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any


class Matcher:
    """Equal to every value `accepts` says yes to; shown as `label`."""

    def __init__(self, label: str, accepts: Callable[[Any], bool]) -> None:
        self.label = label
        self.accepts = accepts

    def __eq__(self, other: object) -> bool:
        return self.accepts(other)

    def __ne__(self, other: object) -> bool:
        return not self.accepts(other)

    __hash__ = None  # type: ignore[assignment]  # equal to many values: no hash

    def __repr__(self) -> str:
        return self.label


def is_integer(value: Any) -> bool:
    """An int that is not a bool (JSON true is no id)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_timestamp(value: Any) -> bool:
    """An ISO 8601 date and time as JSON carries it ("2026-01-31T12:00:00Z" and the like)."""
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


ANY_INT = Matcher("<an integer>", is_integer)
# An id the server chose: any integer, shown the way the messages name it.
ANY_ID = ANY_INT
ANY_TIMESTAMP = Matcher("<a date and time>", is_timestamp)
ANY_STRING = Matcher("<a string>", lambda value: isinstance(value, str))


def one_of(*values: Any) -> Matcher:
    """Equal to any of `values`: `one_of(200, 201)`."""
    return Matcher(" or ".join(map(repr, values)), lambda value: value in values)


def plain(value: Any) -> Any:
    """`value` with each matcher replaced by its label, for json.dumps."""
    if isinstance(value, Matcher):
        return value.label
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value
