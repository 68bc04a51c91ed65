"""What the routes depend on, in one place.

A dependency is a function (or a class) that FastAPI calls for a request; its
own parameters are solved the same way as a route's: path, query, header, other
dependencies. A route asks for the result with a parameter typed by one of the
aliases below (`repository: RepositoryDep`), never by importing the object, so
a test can swap any of them: `app.dependency_overrides[get_repository] = …`.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.mail import EmailSender, OutboxEmailSender
from app.repository import Listing, RecordT, Repository
from app.settings import Settings, get_settings
from app.tasks import AuditTrail


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A new session for this request, closed when the request is done.

    A session is one conversation with the database: a transaction, and the
    objects it loaded. It must never serve two requests at once, so each
    request gets its own, from the sessionmaker the lifespan made.
    """
    sessions: async_sessionmaker[AsyncSession] = request.state.sessions
    # `async with` closes the session whatever happens: its connection goes
    # back to the pool, and anything not committed is rolled back.
    async with sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


# async def, though it awaits nothing: FastAPI runs a plain `def` dependency in
# a worker thread, a hop that buys nothing for a function this quick.
async def get_repository(session: SessionDep) -> Repository:
    """The shop's repository, on this request's session, for the routes and the
    unit of work to share. Cheap to make: it only holds the session."""
    return Repository(session)


# An Annotated alias says "a Repository, from get_repository" once; each route
# then writes `repository: RepositoryDep`.
RepositoryDep = Annotated[Repository, Depends(get_repository)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    """The app's session factory, made by the lifespan: for work that outlives
    the request, such as a background task, which opens its own sessions."""
    return request.state.sessions


SessionFactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)]


async def get_email_sender(settings: SettingsDep, sessions: SessionFactoryDep) -> EmailSender:
    """The app's email sender. A dependency, so that a test can replace it:
    `app.dependency_overrides[get_email_sender] = lambda: FakeSender()`."""
    return OutboxEmailSender(sessions, settings.email_delay_seconds)


EmailSenderDep = Annotated[EmailSender, Depends(get_email_sender)]


async def get_audit_trail(
    background_tasks: BackgroundTasks, sessions: SessionFactoryDep
) -> AuditTrail:
    """An audit trail on this request's background tasks. FastAPI hands a
    dependency the same BackgroundTasks object as the route: one list per request."""
    return AuditTrail(background_tasks, sessions)


AuditDep = Annotated[AuditTrail, Depends(get_audit_trail)]


async def get_unit_of_work(session: SessionDep) -> AsyncIterator[None]:
    """Run a request as one unit of work: all of its writes are kept, or none.

    The code before `yield` runs before the route; an exception the route
    raises comes back out of the `yield`; the code after it runs last. The
    session is the route's own: FastAPI calls get_session once per request.
    """
    try:
        yield
    except Exception:
        # Undo the request's writes, then let the exception go on: FastAPI
        # turns it into the response (a 404, a 409, a 500).
        await session.rollback()
        raise
    # The route succeeded: make its writes permanent, all together.
    await session.commit()


# One Depends object, shared by every route that writes (dependencies=[…]).
# scope="function" ends the unit of work when the route returns, before the
# response is sent: the commit is done when a client hears 201, and a commit
# that fails is a 500, not a 201 for a write that is lost. The database keeps
# concurrent transactions apart, so stage 5's max_concurrency=1 is gone.
unit_of_work = Depends(get_unit_of_work, scope="function")


# A class as a dependency is called like a plain `def` (in a worker thread):
# its __init__ only keeps the response, and a class reads best here.
class Paginator:
    """Sends one page of a list, and says in `X-Total-Count` how long the
    whole list is, so a client can show "41–60 of 1,250" and knows when to stop.

    A class used as a dependency: FastAPI calls `Paginator(response=…)` for each
    request, and the route calls `paginator.paginate(listing)`. The repository
    counts and pages in the database (its `find` returns a Listing); the
    paginator puts the count where the client reads it.
    """

    def __init__(self, response: Response) -> None:
        # The response FastAPI will send: headers set on it go out with it.
        self._response = response

    def paginate(self, listing: Listing[RecordT]) -> list[RecordT]:
        """The records of the page, with the total in X-Total-Count."""
        self._response.headers["X-Total-Count"] = str(listing.total)
        return listing.records


PaginatorDep = Annotated[Paginator, Depends()]
