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

from app.mail import EmailSender
from app.models import AuditAction, AuditResource
from app.repository import Repository

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
    return task  # TODO 7.8: run the task, and log what it raises (logger.exception)


@log_failures
async def send_welcome_email(
    sessions: async_sessionmaker[AsyncSession], user_id: int, sender: EmailSender
) -> None:
    """Greet a new user by email. Handed the user's id, it reads the user in a
    session of its own: a user deleted since the signup gets nothing."""
    raise NotImplementedError("TODO 7.2: send_welcome_email(sessions, user_id, sender) reads the user in a session of its own and greets them; gone → no email")


@log_failures
async def write_audit_entry(
    sessions: async_sessionmaker[AsyncSession],
    action: AuditAction,
    resource: AuditResource,
    resource_id: int,
) -> None:
    """Record one write in the audit log, in a transaction of its own."""
    raise NotImplementedError("TODO 7.6: A signup also writes an audit entry, from a second background task; GET /audit lists the entries, oldest first")


class AuditTrail:
    """Schedules audit entries on the current request's background tasks.

    Routes take it as `audit: AuditDep` and call `audit.record(...)` once a
    write has succeeded; the entry is written after the response.
    """

    def __init__(self, tasks: BackgroundTasks, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._tasks = tasks
        self._sessions = sessions

    def record(self, action: AuditAction, resource: AuditResource, resource_id: int) -> None:
        raise NotImplementedError("TODO 7.6: A signup also writes an audit entry, from a second background task; GET /audit lists the entries, oldest first")
