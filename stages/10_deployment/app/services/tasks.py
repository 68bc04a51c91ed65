"""Work done after the response has been sent: FastAPI's background tasks.

A route schedules a task with `background_tasks.add_task(func, *args)`; the
task runs once the client has its answer. By then the request is over, so a
task is handed plain values (ids, and the objects it needs to do its work:
the session factory, the email sender), never the request's session or the
records it loaded. It opens a session of its own, and reads what it needs as
it is when the task runs. Its failure reaches no client: it is logged here.
"""

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec

from fastapi import BackgroundTasks
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.data.repository import Repository
from app.schemas.common import AuditAction, AuditResource
from app.services.mail import EmailSender

logger = logging.getLogger(__name__)

P = ParamSpec("P")

WELCOME_SUBJECT = "Welcome to the Shop API"


def log_failures(task: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """Run `task`; if it raises, log the error with its traceback, and stop there.

    After the response has been sent no client can receive a task's exception.
    Left to escape, it is printed by the server without a word about which
    task or which record, and it stops the tasks queued after it on the same
    request (Starlette runs them one by one).
    """

    @functools.wraps(task)
    async def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await task(*args, **kwargs)
        except Exception:
            # Which task, and for which record: the ids and names it was handed
            # (the session factory and the sender say nothing useful).
            handed = ", ".join(repr(arg) for arg in args if isinstance(arg, int | str))
            # ERROR level, with the traceback. Exception, not BaseException: a
            # cancellation (the server shutting down) must still get through.
            logger.exception("Background task %s(%s) failed", task.__name__, handed)

    return run


@log_failures
async def send_welcome_email(
    sessions: async_sessionmaker[AsyncSession], user_id: int, sender: EmailSender
) -> None:
    """Greet a new user by email. Handed the user's id, it reads the user in a
    session of its own: a user deleted since the signup gets nothing."""
    async with sessions() as session:
        user = await Repository(session).users.get(user_id)
    if user is None:
        logger.info("No welcome email: user %s no longer exists", user_id)
        return
    # Outside the `async with`: no database connection is held while the
    # mail server takes its time.
    await sender.send(
        to=user.email,
        subject=WELCOME_SUBJECT,
        body=f"Hello {user.username},\n\nyour Shop API account is ready. Happy shopping!",
    )


@log_failures
async def write_audit_entry(
    sessions: async_sessionmaker[AsyncSession],
    action: AuditAction,
    resource: AuditResource,
    resource_id: int,
) -> None:
    """Record one write in the audit log, in a transaction of its own."""
    async with sessions.begin() as session:
        await Repository(session).audit.add(
            action=action, resource=resource, resource_id=resource_id
        )


class AuditTrail:
    """Schedules audit entries on the current request's background tasks.

    Routes take it as `audit: AuditDep` and call `audit.record(...)` once a
    write has succeeded; the entry is written after the response.
    """

    def __init__(self, tasks: BackgroundTasks, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._tasks = tasks
        self._sessions = sessions

    def record(self, action: AuditAction, resource: AuditResource, resource_id: int) -> None:
        self._tasks.add_task(write_audit_entry, self._sessions, action, resource, resource_id)
