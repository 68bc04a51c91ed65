"""A TestClient that remembers the last exchange, for the grader's report."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from checks.support.transport import OneTripTransport, Settings
from workbook.outcomes import ExchangeRecorder

if TYPE_CHECKING:
    import httpx2 as httpx


_TESTCLIENT = inspect.signature(TestClient.__init__)


class RecordingClient(ExchangeRecorder, TestClient):
    """Keeps the last request sent and the last response received.

    When a handler raises, there is no response; the request still tells the
    learner which call broke.
    """

    last_request: httpx.Request | None = None
    last_response: httpx.Response | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What the scope needs, from TestClient's own (public) arguments.
        given = _TESTCLIENT.bind(self, *args, **kwargs)
        given.apply_defaults()
        settings = Settings(
            app=self.app,
            app_state=self.app_state,
            root_path=given.arguments["root_path"],
            client=given.arguments["client"],
            raise_server_exceptions=given.arguments["raise_server_exceptions"],
        )
        # httpx has no public way to swap a made client's transport; `_transport`
        # is the attribute httpx's own Client.send uses.
        self._transport = OneTripTransport(self, self._transport, settings)

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        self.last_request, self.last_response = request, None
        response = super().send(request, **kwargs)
        self.last_response = response
        return response
