"""Stage 7, requirement 7.4: the response does not wait for the email.

In-process, the checks hold the background tasks back: an email already in the
outbox when the response arrives was sent by the request itself. Against a real
uvicorn, with a mail server that takes a second, the response must arrive long
before the email does.
"""

import time

import httpx2
import pytest

from checks.stage_07.shop import emails_to, signup, watch_tasks, welcome
from checks.support import RandomData, expect, fail, timing, todo
from checks.support.answers import show
from checks.support.client import RecordingClient
from checks.support.shop import new_user
from checks.support.tasks import FakeSender, todo_in_logs, use_sender

DELAY = 1.0  # EMAIL_DELAY_SECONDS for the live server
FAST_ENOUGH = 0.6  # a response that waited for the email takes DELAY or more
ARRIVAL_LIMIT = 6.0
SIGNUP_TIMEOUT = 15.0


@pytest.mark.req("7.4")
def test_the_email_is_not_in_the_outbox_when_the_response_arrives(
    client, data, monkeypatch, caplog
):
    """With the background tasks held back, POST /users answers and the outbox has no email yet."""
    watch = watch_tasks(monkeypatch, client, hold=True)
    user = signup(client, data)
    early = emails_to(client, user["email"])
    expect(
        not early,
        "the welcome email was already in the outbox when POST /users answered, with the "
        "background tasks held back: the request sent it itself (an `await` in the route), "
        "so the client waited for the mail server. Schedule it with "
        "background_tasks.add_task(...) instead",
        expected="no email yet: it is sent by a background task, after the response",
        response=client.last_response,
    )
    if not welcome(watch):
        todo_in_logs(caplog)
        todo("POST /users does not schedule the welcome email yet")
    watch.run_held()
    later = emails_to(client, user["email"])
    expect(
        len(later) == 1,
        "once the background tasks of POST /users had run, the outbox held "
        f"{len(later)} emails for the new user",
        expected=f"one welcome email to {user['email']}",
        response=client.last_response,
    )


def _timed_signup(http: httpx2.Client, data: RandomData) -> tuple[httpx2.Response, float, str]:
    body = new_user(data)
    started = time.monotonic()
    response = http.post("/users", json=body)
    return response, time.monotonic() - started, body["email"]


def _timed_read(http: httpx2.Client) -> float | None:
    """Seconds for GET /outbox, a request that sends no email; None if it failed."""
    started = time.monotonic()
    try:
        response = http.get("/outbox", params={"limit": 1})
    except httpx2.HTTPError:
        return None
    return time.monotonic() - started if response.status_code == 200 else None


def _probe_in_process(app, data: RandomData, monkeypatch) -> None:
    """`todo` while GET /outbox is a stub or POST /users schedules no task."""
    with RecordingClient(app) as client:
        watch = watch_tasks(monkeypatch, client, hold=True)
        client.get("/outbox")  # the stub raises its TODO here
        signup(client, data)
        if not welcome(watch):
            todo("POST /users does not schedule the welcome email yet")
        watch.run_held()  # a task that is still a stub says so here


@pytest.mark.req("7.4")
@pytest.mark.timeout(40)
def test_a_slow_mail_server_does_not_slow_the_signup(request, monkeypatch, data):
    """Under uvicorn with EMAIL_DELAY_SECONDS=1, POST /users answers in under 0.6 s."""
    # First, in-process and quick (no delay): is there a task to wait for at all?
    _probe_in_process(request.getfixturevalue("app"), data, monkeypatch)
    # Then the app under uvicorn, with a mail server that takes a second. (Not
    # started sooner: its startup would create the tables while the probe's
    # does, and two CREATE TABLE of one name at once fail on PostgreSQL.)
    server = request.getfixturevalue("live_server")
    server.env = {**server.env, "EMAIL_DELAY_SECONDS": f"{DELAY:g}"}
    with httpx2.Client(base_url=server.url, timeout=SIGNUP_TIMEOUT) as http:
        # The baseline, in this run: how quick the same server is at a request
        # that sends no email (checks/support/timing.py).
        plain = timing.baseline(lambda: _timed_read(http))
        allowed = timing.allowance(FAST_ENOUGH, plain)
        answers: list[tuple[httpx2.Response, str]] = []

        def measure() -> timing.Sample:
            try:
                response, seconds, email = _timed_signup(http, data)
            except httpx2.TimeoutException:
                return timing.Sample(None, SIGNUP_TIMEOUT)
            if response.status_code != 201:
                fail(
                    f"POST /users answered {response.status_code} under uvicorn "
                    f"(server log: {server.log_tail(5) or 'empty'})",
                    expected="status 201",
                    response=response,
                )
            answers.append((response, email))
            # A response that waited for the email takes the email's delay at least.
            return timing.Sample(seconds, SIGNUP_TIMEOUT, proof=DELAY)

        verdict = timing.attempts(measure, allowed=allowed, baseline_seconds=plain)
        if not verdict.passed:
            said = (
                "the response waited for the email. Send it from a background task, so the "
                "response goes out first"
                if verdict.certain
                else verdict.thin()
            )
            fail(
                f"with a mail server that takes {DELAY:g} s (EMAIL_DELAY_SECONDS={DELAY:g}), "
                f"POST /users took {verdict.figures()} to answer: {said}",
                expected=f"a response in under {allowed:.2f} s ({FAST_ENOUGH} s, more on a busy "
                f"machine: a plain GET took {plain:.2f} s); the email about {DELAY:g} s later",
                response=answers[-1][0] if answers else None,
            )
        address = answers[-1][1]
        answered = time.monotonic()
        deadline = answered + ARRIVAL_LIMIT
        arrived = None
        while time.monotonic() < deadline:
            outbox = http.get("/outbox", params={"limit": 100})
            if outbox.status_code == 200 and any(
                isinstance(item, dict) and item.get("to") == address for item in outbox.json()
            ):
                arrived = time.monotonic() - answered
                break
            time.sleep(0.02)
    if arrived is None:
        fail(
            f"POST /users answered in {verdict.best.shown()}, but the welcome email was still "
            f"not in GET /outbox {ARRIVAL_LIMIT:g} s later: the background task did not "
            f"send it (server log: {server.log_tail(8) or 'empty'})",
            expected=f"the email to {address} in GET /outbox about {DELAY:g} s after the response",
            response=outbox,
        )


@pytest.mark.req("7.4")
def test_the_route_does_not_await_the_sender(app, client, data, monkeypatch, caplog):
    """With the tasks held back, POST /users answers without calling the sender."""
    sender = use_sender(app, FakeSender())
    watch = watch_tasks(monkeypatch, client, hold=True)
    response = client.post("/users", json=new_user(data))
    expect(
        sender.calls == 0,
        f"POST /users called the sender {sender.calls} time(s) before it answered: "
        + show([email.to for email in sender.sent])
        + ". The route must only schedule the email (background_tasks.add_task); the "
        "sending happens after the response",
        expected="no call to sender.send() until the background tasks run",
        response=response,
    )
    if not welcome(watch):
        todo_in_logs(caplog)
        todo("POST /users does not schedule the welcome email yet")
