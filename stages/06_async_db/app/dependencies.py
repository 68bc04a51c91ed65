"""What the routes depend on, in one place.

A dependency is a function (or a class) that FastAPI calls for a request; its
own parameters are solved the same way as a route's: path, query, header, other
dependencies. A route asks for the result with a parameter typed by one of the
aliases below (`repository: RepositoryDep`), never by importing the object, so
a test can swap any of them: `app.dependency_overrides[get_repository] = …`.
"""

from collections.abc import AsyncIterator, Iterable
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Page
from app.repository import RecordT, Repository
from app.settings import Settings, get_settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A new session for this request, closed when the request is done.

    A session is one conversation with the database: a transaction, and the
    objects it loaded. It must never serve two requests at once, so each
    request gets its own, from the sessionmaker the lifespan made.
    """
    raise NotImplementedError("TODO 6.2: get_session: one AsyncSession per request (expire_on_commit=False); the unit of work commits before the response")


SessionDep = Annotated[AsyncSession, Depends(get_session)]


# The one repository of this process. Only get_repository() hands it out.
_repository = Repository()  # TODO 6.3: gone: each request gets a Repository(session)


# async def, though it awaits nothing: FastAPI runs a plain `def` dependency in
# a worker thread, a hop that buys nothing for a function this quick.
async def get_repository() -> Repository:
    """The shop's repository, for the routes and the unit of work to share."""
    # TODO 6.3: a Repository on this request's session (a SessionDep parameter)
    return _repository


# An Annotated alias says "a Repository, from get_repository" once; each route
# then writes `repository: RepositoryDep`.
RepositoryDep = Annotated[Repository, Depends(get_repository)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_unit_of_work(
    # A dependency of a dependency. FastAPI calls get_repository once per
    # request and hands the same result to the route and to this function, so
    # the savepoint is taken on the very repository the route writes to.
    repository: RepositoryDep,
) -> AsyncIterator[None]:
    """Run a request as one unit of work: all of its writes are kept, or none.

    The code before `yield` runs before the route; an exception the route
    raises comes back out of the `yield`; the code after it runs last.
    """
    # TODO 6.2: take the session (SessionDep) instead of the repository: roll
    # it back on an exception, and commit it when the route succeeded.
    savepoint = repository.savepoint()
    try:
        yield
    except Exception:
        # Undo the request's writes, then let the exception go on: FastAPI
        # turns it into the response (a 404, a 500). Swallowed here, the
        # client would get a 500 instead, and the real error would be lost.
        repository.rollback(savepoint)
        raise
    # Success: the writes are already in place, so there is nothing to commit.
    # TODO 6.2: with a database session, this is where `commit()` goes.


# One Depends object, shared by every route that writes (dependencies=[…]):
# - scope="function" ends the unit of work when the route returns, before the
#   response is sent, so a client never hears 201 for a write that is undone;
# - max_concurrency=1 runs one unit of work at a time (the others wait without
#   holding a thread): a rollback restores a savepoint of the whole store and
#   must not erase what another request wrote meanwhile. A database isolates
#   transactions for you; in memory, one writer at a time is the simple way.
unit_of_work = Depends(get_unit_of_work, scope="function", max_concurrency=1)  # TODO 6.2: drop the cap


# A class as a dependency is called like a plain `def` (in a worker thread):
# its __init__ only keeps the response, and a class reads best here.
class Paginator:
    """Cuts a list down to one page, and says in `X-Total-Count` how long the
    whole list is, so a client can show "41–60 of 1,250" and knows when to stop.

    A class used as a dependency: FastAPI calls `Paginator(response=…)` for each
    request, and the route calls `paginator.paginate(records, page)`.
    """

    # TODO 6.9: the repository pages and counts; the paginator only reports
    def __init__(self, response: Response) -> None:
        # The response FastAPI will send: headers set on it go out with it.
        self._response = response

    def paginate(self, records: Iterable[RecordT], page: Page) -> list[RecordT]:
        """The records of `page`, after counting them all."""
        # TODO 6.9: take a Listing (one page and the total, both from the
        # database) instead of every record and a page to cut them down to.
        matching = list(records)
        self._response.headers["X-Total-Count"] = str(len(matching))
        return matching[page.offset : page.offset + page.limit]


PaginatorDep = Annotated[Paginator, Depends()]
