"""Stage 7, requirement 7.5: background tasks are handed ids and the sender,
never the request's session or ORM objects, and read the database themselves."""

import pytest

from checks.stage_07.shop import create_product, new_product, signup, watch_tasks, welcome
from checks.support import expect, expect_status, fail, todo
from checks.support.tasks import FakeSender, forbidden, todo_in_logs, use_sender

WHY = (
    "A task runs after the request is over: the request's session is not the task's to "
    "use (it holds the request's connection, and closes when the request's dependencies "
    "finish), and an ORM object, or a model made from it, is a snapshot from then. Hand "
    "the task the id and let it open `async with sessions() as session:` itself"
)


def _described(value) -> str:
    if isinstance(value, bool | int | float | str) or value is None:
        return repr(value)
    return f"<{type(value).__name__}>"


@pytest.mark.req("7.5")
def test_tasks_are_handed_ids_not_sessions_or_orm_objects(client, data, monkeypatch, caplog):
    """No task scheduled by a signup or a product write is handed a session or an ORM object."""
    watch = watch_tasks(monkeypatch, client)
    user = signup(client, data)
    if not watch.scheduled:
        todo_in_logs(caplog)
        todo("POST /users does not schedule any background task yet")
    exchanges = [(client.last_response, watch.since(0))]
    mark = watch.mark()
    product = create_product(client, data)
    exchanges.append((client.last_response, watch.since(mark)))
    for method, path, kwargs in (
        ("PUT", f"/products/{product['id']}", {"json": new_product(data)}),
        ("PATCH", f"/products/{product['id']}", {"json": {"name": data.product_name()}}),
        ("DELETE", f"/products/{product['id']}", {}),
        ("DELETE", f"/users/{user['id']}", {}),
    ):
        mark = watch.mark()
        response = client.request(method, path, **kwargs)
        exchanges.append((response, watch.since(mark)))
    for response, tasks in exchanges:
        for scheduled in tasks:
            findings = forbidden(scheduled)
            if findings:
                fail(
                    f"{scheduled.request} scheduled the task {scheduled.name} with "
                    + "; ".join(findings)
                    + f". {WHY}",
                    expected=f"{scheduled.name} handed ids and plain values (and the sender)",
                    response=response,
                    got=f"{scheduled.name} handed: "
                    + ", ".join(
                        (label if label.endswith("=") else "") + _described(value)
                        for label, value in scheduled.handed()
                    ),
                )


@pytest.mark.req("7.5")
def test_a_user_deleted_before_the_task_runs_gets_no_email(app, client, data, monkeypatch, caplog):
    """Signup, then delete the user before its tasks run: the welcome email is not sent."""
    sender = use_sender(app, FakeSender())
    watch = watch_tasks(monkeypatch, client, hold=True)
    user = signup(client, data)
    if not welcome(watch):
        todo_in_logs(caplog)
        todo("POST /users does not schedule the welcome email yet")
    response = client.delete(f"/users/{user['id']}")
    expect_status(response, 204, "deleting the user failed (an earlier stage's requirement)")
    try:
        watch.run_held()
    except Exception as error:
        if isinstance(error, NotImplementedError):
            raise
        fail(
            f"the welcome-email task raised {type(error).__name__}: {error} — for a user "
            "deleted before it ran. A task must expect the world to have changed since it "
            "was scheduled: look the user up, and send nothing when there is none",
            expected="no email, and no exception",
        )
    expect(
        not sender.to(user["email"]),
        f"user {user['id']} was deleted before the welcome-email task ran, yet the task "
        f"sent them the email: it worked from what the request handed it (an ORM object or "
        f"a copy of the user) instead of reading the user by id when it ran. {WHY}",
        expected="no email for a user that no longer exists",
    )
