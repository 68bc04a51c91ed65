"""Stage 7, requirement 7.1: the email sender that get_email_sender provides,
the outbox it writes to, and the delay it takes from EMAIL_DELAY_SECONDS."""

import time
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI

from checks.stage_07.shop import OUTBOX_FIELDS, outbox
from checks.support import body_of, expect, expect_status, fail, learner
from checks.support.answers import show
from checks.support.matchers import is_timestamp

SEND_PATH = "/__workbook__/send"


def add_send_route(app: FastAPI) -> None:
    """A route of the checks' own that sends one email with the app's sender,
    so the sender is graded on its own, before any route uses it."""
    get_email_sender = learner.find("get_email_sender")

    async def send_one(
        message: dict[str, str], sender: Annotated[Any, Depends(get_email_sender)]
    ) -> dict[str, str]:
        await sender.send(to=message["to"], subject=message["subject"], body=message["body"])
        return {"sent": "yes"}

    app.add_api_route(SEND_PATH, send_one, methods=["POST"])


def message(data) -> dict[str, str]:
    return {
        "to": data.email(),
        "subject": f"Your order {data.token(6)}",
        "body": f"Dear {data.username()},\n\nyour parcel {data.token(8)} is on its way.",
    }


@pytest.mark.req("7.1")
def test_the_outbox_starts_empty(client):
    """GET /outbox answers 200 [] before anything has been sent."""
    response = client.get("/outbox")
    expect_status(response, 200, "GET /outbox should answer 200 with the list of emails sent")
    expect(
        body_of(response) == [],
        "GET /outbox lists emails before any was sent",
        expected="[]",
        response=response,
    )


@pytest.mark.req("7.1")
def test_the_sender_records_each_message_in_the_outbox(app, client, data):
    """Each send() of get_email_sender's sender appears in GET /outbox, oldest first."""
    add_send_route(app)
    messages = [message(data) for _ in range(3)]
    started = time.monotonic()
    for each in messages:
        response = client.post(SEND_PATH, json=each)
        expect_status(response, 200, "sending an email with your sender failed")
    elapsed = time.monotonic() - started
    expect(
        elapsed < 1.5,
        f"three emails took {elapsed:.1f} s to send, though EMAIL_DELAY_SECONDS is not set: "
        "the delay comes from the setting, and it is 0 by default",
        expected="email_delay_seconds = 0 unless EMAIL_DELAY_SECONDS says otherwise",
    )
    listed = outbox(client)
    response = client.last_response
    got = [{key: email.get(key) for key in ("to", "subject", "body")} for email in listed]
    if got != messages:
        fail(
            "GET /outbox does not list the three emails that were sent, oldest first",
            expected=show(messages),
            response=response,
        )
    ids = [email.get("id") for email in listed]
    expect(
        all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
        and len(set(ids)) == len(ids),
        f"the emails in the outbox have the ids {ids}",
        expected="a different integer id for each email",
        response=response,
    )
    expect(
        all(is_timestamp(email.get("sent_at")) for email in listed),
        "each email's sent_at should be the date and time it was recorded",
        expected='"sent_at": "2026-01-31T12:00:00…" (an ISO 8601 date-time)',
        response=response,
    )
    page = client.get("/outbox", params={"limit": 2, "offset": 1})
    expect_status(page, 200, "GET /outbox takes limit and offset")
    expect(
        [email.get("to") for email in body_of(page)] == [m["to"] for m in messages[1:]],
        "GET /outbox?limit=2&offset=1 should skip the oldest email and list the next two",
        expected=show([m["to"] for m in messages[1:]]) + " (the emails' addresses)",
        response=page,
    )


@pytest.mark.req("7.1")
def test_the_sender_waits_email_delay_seconds(request, monkeypatch, data):
    """With EMAIL_DELAY_SECONDS=0.25, a send takes at least 0.25 s, then lands in the outbox."""
    monkeypatch.setenv("EMAIL_DELAY_SECONDS", "0.25")
    app = request.getfixturevalue("app")
    add_send_route(app)
    client = request.getfixturevalue("client")
    email = message(data)
    started = time.monotonic()
    response = client.post(SEND_PATH, json=email)
    elapsed = time.monotonic() - started
    expect_status(response, 200, "sending an email with your sender failed")
    expect(
        elapsed >= 0.24,
        f"with EMAIL_DELAY_SECONDS=0.25 the sender took {elapsed:.2f} s: it should wait the "
        "configured delay (read from get_settings()) before it records the email",
        expected="at least 0.25 s",
    )
    expect(
        elapsed < 3,
        f"with EMAIL_DELAY_SECONDS=0.25 the sender took {elapsed:.1f} s",
        expected="about 0.25 s",
    )
    listed = outbox(client)
    expect(
        [item.get("to") for item in listed] == [email["to"]],
        "the email sent with a delay is not in the outbox",
        expected=f"one email to {email['to']}, with the fields {sorted(OUTBOX_FIELDS)}",
        response=client.last_response,
    )
