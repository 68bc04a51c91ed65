"""A TestClient that remembers the last exchange, for the grader's report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from checks.support.transport import OneTripTransport
from workbook.outcomes import ExchangeRecorder

if TYPE_CHECKING:
    import httpx2 as httpx


class RecordingClient(ExchangeRecorder, TestClient):
    """Keeps the last request sent and the last response received.

    When a handler raises, there is no response; the request still tells the
    learner which call broke.
    """

    last_request: httpx.Request | None = None
    last_response: httpx.Response | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._transport = OneTripTransport(self, self._transport)

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        self.last_request, self.last_response = request, None
        response = super().send(request, **kwargs)
        self.last_response = response
        return response
