"""Stage 7, requirement 7.3: POST /users schedules the welcome email on the
request's BackgroundTasks, with the sender that get_email_sender provides."""

import pytest

from checks.stage_07.shop import WELCOME_SUBJECT, emails_to, watch_tasks, welcome
from checks.support import expect, expect_status, fail, todo
from checks.support.answers import created, show
from checks.support.shop import new_user
from checks.support.tasks import FakeSender, todo_in_logs, use_sender

INJECT = (
    "take the sender as a dependency of the route (sender: EmailSenderDep, which is "
    "Depends(get_email_sender)) and hand it to the task"
)


def explain_missing_email(client, watch, mark, address: str, caplog) -> None:
    """The fake sender got nothing: say why, or that this is still to do."""
    todo_in_logs(caplog)
    if emails_to(client, address):
        fail(
            "the welcome email went out, but not through the sender that get_email_sender "
            "provides: the check replaced that sender and it received nothing. A sender made "
            "in the route, in the task or at module level cannot be replaced; " + INJECT,
            expected=f"the replacement sender receives one email to {address}",
        )
    if not welcome(watch, mark):
        todo("POST /users does not schedule the welcome email yet")
    names = ", ".join(item.name for item in watch.since(mark))
    fail(
        f"POST /users scheduled background tasks ({names}), but none of them sent the "
        "welcome email through the sender from get_email_sender",
        expected=f"one email to {address} with the subject {WELCOME_SUBJECT!r}",
    )


@pytest.mark.req("7.3")
def test_signup_sends_the_welcome_email_through_the_injected_sender(
    app, client, data, monkeypatch, caplog
):
    """With get_email_sender overridden, POST /users sends that sender one welcome email."""
    sender = use_sender(app, FakeSender())
    watch = watch_tasks(monkeypatch, client)
    response = client.post("/users", json=new_user(data))
    expect_status(response, 201, "POST /users should still answer 201 with the new user")
    user = created(response, "user")
    mine = sender.to(user["email"])
    if not mine:
        explain_missing_email(client, watch, 0, user["email"], caplog)
    expect(
        len(sender.sent) == 1,
        f"one signup sent {len(sender.sent)} emails: "
        + show([(email.to, email.subject) for email in sender.sent]),
        expected=f"one email, to {user['email']}",
        response=response,
    )
    email = mine[0]
    expect(
        email.subject == WELCOME_SUBJECT and user["username"] in str(email.body),
        f"the email sent on signup has the subject {email.subject!r} and the body {email.body!r}",
        expected=f"subject {WELCOME_SUBJECT!r} and a body that names {user['username']!r}",
        response=response,
    )


@pytest.mark.req("7.3")
def test_the_welcome_email_is_a_background_task_handed_the_users_id(
    app, client, data, monkeypatch, caplog
):
    """POST /users adds send_welcome_email(<the user's id>, <the sender>) to its tasks."""
    sender = use_sender(app, FakeSender())
    watch = watch_tasks(monkeypatch, client)
    response = client.post("/users", json=new_user(data))
    user = created(response, "user")
    welcome = watch.named("send_welcome_email")
    if not welcome:
        if sender.to(user["email"]) or emails_to(client, user["email"]):
            names = [item.name for item in watch.scheduled] or "none"
            fail(
                "the welcome email was sent, but not by a send_welcome_email task on the "
                f"request's BackgroundTasks (tasks scheduled: {names}). Declare "
                "`background_tasks: BackgroundTasks` on create_user and "
                "background_tasks.add_task(send_welcome_email, created.id, sender)",
                expected="a send_welcome_email background task",
                response=response,
            )
        explain_missing_email(client, watch, 0, user["email"], caplog)
    handed = [value for _, value in welcome[0].handed()]
    expect(
        user["id"] in handed,
        f"send_welcome_email was scheduled with {show([repr(v) for v in handed])}, "
        f"which does not include the new user's id ({user['id']})",
        expected=f"background_tasks.add_task(send_welcome_email, {user['id']}, sender)",
        response=response,
    )
    expect(
        any(value is sender for value in handed),
        "send_welcome_email was not handed the sender that get_email_sender provided "
        "(the check's replacement): " + INJECT,
        expected=f"background_tasks.add_task(send_welcome_email, {user['id']}, sender)",
        response=response,
    )


@pytest.mark.req("7.3")
def test_every_signup_leaves_its_welcome_email_in_the_outbox(client, data, monkeypatch, caplog):
    """With the app's own sender, two signups leave two welcome emails in GET /outbox."""
    watch = watch_tasks(monkeypatch, client)
    users = [created(client.post("/users", json=new_user(data)), "user") for _ in range(2)]
    for user in users:
        mine = emails_to(client, user["email"])
        if not mine:
            todo_in_logs(caplog)
            if not welcome(watch):
                todo("POST /users does not schedule the welcome email yet")
        expect(
            len(mine) == 1 and mine[0].get("subject") == WELCOME_SUBJECT,
            f"after signing up {user['email']}, GET /outbox holds "
            f"{show([(m.get('to'), m.get('subject')) for m in mine]) if mine else 'no email'} "
            "for that address",
            expected=f"one email to {user['email']} with the subject {WELCOME_SUBJECT!r}",
            response=client.last_response,
        )


@pytest.mark.req("7.3")
def test_a_signup_that_fails_sends_no_email(app, client, data, monkeypatch):
    """A signup refused with 422 (or 409 for a taken username) sends no email."""
    sender = use_sender(app, FakeSender())
    watch_tasks(monkeypatch, client)
    first = created(client.post("/users", json=new_user(data)), "user")
    if not sender.to(first["email"]):
        todo("POST /users does not send a welcome email yet")
    before = len(sender.sent)
    invalid = {**new_user(data), "email": f"not-an-email-{data.token(4)}"}
    response = client.post("/users", json=invalid)
    expect_status(response, 422, "a signup with an invalid email should answer 422")
    expect(
        len(sender.sent) == before,
        "a signup that answered 422 still sent an email: "
        + show([email.to for email in sender.sent[before:]]),
        expected="no email for a signup that failed",
        response=response,
    )
    taken = {**new_user(data), "username": first["username"]}
    response = client.post("/users", json=taken)
    if response.status_code == 409:
        expect(
            not sender.to(taken["email"]),
            "a signup refused with 409 (username taken) still sent a welcome email",
            expected="no email for a signup that failed",
            response=response,
        )
    elif response.status_code >= 500:
        fail(
            "a signup with a username that is taken crashed instead of answering 409",
            expected="status 409",
            response=response,
        )
