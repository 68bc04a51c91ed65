"""Sending email: what the app needs from a mail service, and the stand-in it uses.

Routes and tasks depend on `EmailSender`, an interface of one method, and get
one from the `get_email_sender` dependency (app/api/deps.py). The stand-in,
`OutboxEmailSender`, sends nothing: it keeps each message in the outbox table,
where GET /outbox shows it, after a delay that plays the part of a slow mail
server. A sender that speaks SMTP, or a provider's HTTP API, would take its
place without a route or a task noticing; a test swaps in a fake the same way.
"""

import asyncio
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.data.repository import Repository


class EmailSender(Protocol):
    """Anything that can send one email."""

    async def send(self, *, to: str, subject: str, body: str) -> None: ...


class OutboxEmailSender:
    """Records each message in the outbox table, as slowly as a real mail
    server would take it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], delay: float) -> None:
        # A session factory, not a session: a sender is used by tasks that
        # run after the request, so it opens a session of its own each time.
        self._sessions = sessions
        self._delay = delay

    async def send(self, *, to: str, subject: str, body: str) -> None:
        # A real server takes its time (DNS, TLS, a remote queue): this wait is
        # what the response to a signup must not include.
        await asyncio.sleep(self._delay)
        # begin(): a session whose transaction commits when the block ends, or
        # rolls back if it raises. The message is stored, or not at all.
        async with self._sessions.begin() as session:
            await Repository(session).outbox.add(to=to, subject=subject, body=body)
