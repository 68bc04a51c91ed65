"""What a client should have got instead of a crash, for the exceptions whose
name says it: a learner's code that raised its ConflictError from the right
line, but caught the wrong exception in the route, is told that a 409 was
expected, not only that it crashed."""

from __future__ import annotations

# Words in an exception's class name (or its bases'), and the answer expected.
_BY_NAME = (
    (
        ("Conflict", "IntegrityError", "UniqueViolation", "Duplicate", "AlreadyExists"),
        "status 409 Conflict: the route catches this exception (the class your code raises, "
        "not another) and raises HTTPException(status_code=409, detail=…)",
    ),
    (
        ("NotFound", "NoResultFound", "DoesNotExist"),
        "status 404 Not Found: the route catches this exception and raises "
        "HTTPException(status_code=404, detail=…)",
    ),
)


def expected_for(error: BaseException) -> str | None:
    """The response a client should have had, or None if the name says nothing."""
    names = [kind.__name__ for kind in type(error).__mro__]
    for words, expected in _BY_NAME:
        if any(word in name for name in names for word in words):
            return expected
    return None
