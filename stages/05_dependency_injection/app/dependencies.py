"""What the routes depend on, in one place.

A dependency is a function (or a class) that FastAPI calls for a request; its
own parameters are solved the same way as a route's: path, query, header, other
dependencies. A route asks for the result with a parameter typed by one of the
aliases below (`repository: RepositoryDep`), never by importing the object, so
a test can swap any of them: `app.dependency_overrides[get_repository] = …`.
"""

from collections.abc import AsyncIterator, Iterable
from typing import Annotated

from fastapi import Depends, Response

from app.models import Page
from app.repository import RecordT, Repository
from app.settings import Settings, get_settings

# TODO 5.1: the one Repository of this process (it lives in main.py for now)


# async def, though it awaits nothing: FastAPI runs a plain `def` dependency in
# a worker thread, a hop that buys nothing for a function this quick.
async def get_repository() -> Repository:
    """The shop's repository, for the routes and the unit of work to share."""
    raise NotImplementedError("TODO 5.1: Routes take the repository from get_repository (RepositoryDep), so dependency_overrides can swap it")


# An Annotated alias says "a Repository, from get_repository" once; each route
# then writes `repository: RepositoryDep`.
RepositoryDep = Annotated[Repository, Depends(get_repository)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_unit_of_work(
    # TODO 5.5: the repository to protect, as a dependency
) -> AsyncIterator[None]:
    """Run a request as one unit of work: all of its writes are kept, or none.

    The code before `yield` runs before the route; an exception the route
    raises comes back out of the `yield`; the code after it runs last.
    """
    raise NotImplementedError("TODO 5.4: Write routes run in the get_unit_of_work yield dependency: POST /products/price-changes is all or nothing")


unit_of_work = Depends(get_unit_of_work)  # TODO 5.4: see the README


# A class as a dependency is called like a plain `def` (in a worker thread):
# its __init__ only keeps the response, and a class reads best here.
class Paginator:
    """Cuts a list down to one page, and says in `X-Total-Count` how long the
    whole list is, so a client can show "41–60 of 1,250" and knows when to stop.

    A class used as a dependency: FastAPI calls `Paginator(response=…)` for each
    request, and the route calls `paginator.paginate(records, page)`.
    """

    def __init__(self, response: Response) -> None:
        # The response FastAPI will send: headers set on it go out with it.
        self._response = response

    def paginate(self, records: Iterable[RecordT], page: Page) -> list[RecordT]:
        """The records of `page`, after counting them all."""
        raise NotImplementedError("TODO 5.6: The three lists (products, a category, users) page through one Paginator and send X-Total-Count")


PaginatorDep = Annotated[Paginator, Depends()]
