"""Stage 7, requirement 7.2: the task send_welcome_email(sessions, user_id,
sender), called on its own, the way a background task runner calls it."""

import inspect

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from checks.stage_07.shop import WELCOME_SUBJECT, signup, watch_tasks
from checks.support import CheckFailure, Todo, expect, expect_status, fail, learner
from checks.support.answers import show
from checks.support.tasks import FakeSender, todo_in_logs


def session_factory(client):
    """The async_sessionmaker the app's lifespan hands to every request (stage 6)."""
    for value in client.app_state.values():
        if isinstance(value, async_sessionmaker):
            return value
    fail(
        "your app's lifespan does not hand an async_sessionmaker to the requests, so the "
        'task has nothing to open its session with (stage 6: yield {"sessions": …})',
        expected="the lifespan yields a state with the app's async_sessionmaker",
    )


def call_task(client, watch, user_id, sender: FakeSender, caplog) -> None:
    """Run the learner's send_welcome_email(sessions, user_id, sender) on the app's loop."""
    task = learner.find("send_welcome_email")
    sessions = session_factory(client)
    try:
        inspect.signature(task).bind(sessions, user_id, sender)
    except TypeError as error:
        fail(
            "send_welcome_email cannot be called as send_welcome_email(sessions, user_id, "
            f"sender): {error}",
            expected="async def send_welcome_email(sessions: async_sessionmaker[AsyncSession], "
            "user_id: int, sender: EmailSender) -> None",
        )
    except ValueError:  # no signature to read: try the call
        pass
    watch.direct = True
    try:
        client.portal.call(task, sessions, user_id, sender)
    finally:
        watch.direct = False
    todo_in_logs(caplog)  # a stub's TODO, caught and logged by a finished log_failures


@pytest.mark.req("7.2")
def test_the_task_sends_the_welcome_email(client, data, monkeypatch, caplog):
    """send_welcome_email(sessions, <a user's id>, sender) sends one welcome email to that user."""
    # Held back: the signup's own tasks stay out of the way.
    watch = watch_tasks(monkeypatch, client, hold=True)
    user = signup(client, data)
    sender = FakeSender()
    call_task(client, watch, user["id"], sender, caplog)
    wanted = f"to={user['email']!r}, subject={WELCOME_SUBJECT!r}, a body with {user['username']!r}"
    expect(
        len(sender.sent) == 1,
        f"send_welcome_email(sessions, {user['id']}, sender) called sender.send "
        f"{len(sender.sent)} times",
        expected=f"one email: {wanted}",
    )
    email = sender.sent[0]
    expect(
        email.to == user["email"],
        f"the welcome email went to {email.to!r}, not to the user's address",
        expected=f"to={user['email']!r}",
    )
    expect(
        email.subject == WELCOME_SUBJECT,
        f"the welcome email's subject is {email.subject!r}",
        expected=f"subject={WELCOME_SUBJECT!r}",
    )
    expect(
        isinstance(email.body, str) and user["username"] in email.body,
        f"the welcome email's body does not name the user: {email.body!r}",
        expected=f"a body that contains {user['username']!r}",
    )


@pytest.mark.req("7.2")
def test_the_task_sends_nothing_for_a_user_that_is_gone(client, data, monkeypatch, caplog):
    """For a deleted user, or an id nobody has, the task sends nothing and does not raise."""
    watch = watch_tasks(monkeypatch, client, hold=True)
    user = signup(client, data)
    response = client.delete(f"/users/{user['id']}")
    expect_status(response, 204, "deleting the user failed (an earlier stage's requirement)")
    sender = FakeSender()
    for user_id in (user["id"], user["id"] + data.integer(1_000, 9_999)):
        try:
            call_task(client, watch, user_id, sender, caplog)
        except Exception as error:
            if isinstance(error, Todo | CheckFailure | NotImplementedError):
                raise
            fail(
                f"send_welcome_email(sessions, {user_id}, sender) raised "
                f"{type(error).__name__}: {error} for a user that does not exist: a task "
                "must expect the world to have changed since it was scheduled",
                expected="no email, and no exception",
            )
    expect(
        not sender.sent,
        "send_welcome_email sent an email for a user that does not exist: "
        + show([email.to for email in sender.sent]),
        expected="no email: look the user up by id, and return when there is none",
    )
