"""What a check raises to give its verdict, and what it records on the way.

These live in `workbook` because both sides need them: the checks raise them
(through `checks.support`, which re-exports them), and the grader's pytest
plugin recognises them with `isinstance` to build the report. Nothing here
imports a web library, so the plugin can import it before any app is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # TestClient speaks httpx2; importing it only for types keeps checks quick.
    import httpx2 as httpx


class CheckFailure(AssertionError):  # noqa: N818 - reads as "the check failed"
    """A requirement is not met. `message` is one sentence for the learner."""

    def __init__(
        self,
        message: str,
        *,
        expected: str | None = None,
        response: httpx.Response | None = None,
        got: str | None = None,
        sent: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.response = response
        # What to show as the body that came back, when the whole body (a large
        # OpenAPI schema, say) would bury the point.
        self.got = got
        # What was sent, in words, when no one request tells it (a burst of
        # requests to a live server); otherwise the last request is shown.
        self.sent = sent


class Todo(Exception):  # noqa: N818 - it is a state, not an error
    """The learner has not started this requirement (the skeleton is untouched)."""


class ExchangeRecorder:
    """A client that remembers its last exchange, so that a failure which names
    no response (a plain `assert`, a crash) can still show what was sent and
    what came back. The plugin finds it among a check's fixtures by this class.
    """

    last_request: Any = None  # httpx.Request | None
    last_response: Any = None  # httpx.Response | None
