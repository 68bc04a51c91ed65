"""What the routes of every version depend on, in one place.

A dependency is a function (or a class) that FastAPI calls for a request; its
own parameters are solved the same way as a route's: path, query, header, other
dependencies. A route asks for the result with a parameter typed by one of the
aliases below (`repository: RepositoryDep`), never by importing the object, so
a test can swap any of them, once, for both versions:
`app.dependency_overrides[get_current_user] = …`.

Authentication answers "who are you?" (a token, or 401); authorization answers
"may you?" (403 for a route you may not use, 404 for a record that is not yours).
Routes say which they need with a parameter, `user: CurrentUserDep`, or on
their router, `dependencies=[admin_only]`.

Nothing here imports a router, and no router imports app.main: dependencies
flow one way, from the routers down to this module and the layers below it.
"""

from collections.abc import AsyncIterator
from typing import Annotated, Any

import jwt
from fastapi import BackgroundTasks, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings, get_settings
from app.core.security import Passwords, decode_access_token
from app.data.repository import Listing, RecordT, Repository
from app.schemas.common import UserAccount
from app.services.mail import EmailSender, OutboxEmailSender
from app.services.tasks import AuditTrail


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
# that fails is a 500, not a 201 for a write that is lost.
unit_of_work = Depends(get_unit_of_work, scope="function")


# A class as a dependency is called like a plain `def` (in a worker thread):
# its __init__ only keeps the response, and a class reads best here.
class Paginator:
    """Sends one page of a v1 list, and says in `X-Total-Count` how long the
    whole list is, so a client can show "41–60 of 1,250" and knows when to stop.

    A class used as a dependency: FastAPI calls `Paginator(response=…)` for each
    request, and the route calls `paginator.paginate(listing)`. The repository
    counts and pages in the database (its `find` returns a Listing); the
    paginator puts the count where the client reads it. (v2 pages by cursor,
    and counts nothing: app/schemas/v2.py.)
    """

    def __init__(self, response: Response) -> None:
        # The response FastAPI will send: headers set on it go out with it.
        self._response = response

    def paginate(self, listing: Listing[RecordT]) -> list[RecordT]:
        """The records of the page, with the total in X-Total-Count."""
        self._response.headers["X-Total-Count"] = str(listing.total)
        return listing.records


PaginatorDep = Annotated[Paginator, Depends()]


# -- who is asking -------------------------------------------------------------

# Reads "Authorization: Bearer <token>", and only that: a token in a URL ends
# up in logs and browser history. Without the header it answers 401 itself.
# One scheme for both versions, as get_current_user is one function for both:
# a token from either login works on either version. tokenUrl is where the
# app's own /docs sends the login form ("Authorize"); each version's document
# points it at that version's login instead (app/api/docs.py).
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v2/auth/token")

TokenDep = Annotated[str, Depends(oauth2_scheme)]


def get_password_hasher(request: Request) -> Passwords:
    """The app's password hasher, made by the lifespan from the settings: one
    per process, so the dummy hash it keeps is made once."""
    return request.state.passwords


PasswordsDep = Annotated[Passwords, Depends(get_password_hasher)]


def unauthorized(detail: str) -> HTTPException:
    """A 401 and the header that says how to authenticate (RFC 6750, section 3)."""
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def is_current(claims: dict[str, Any], account: UserAccount) -> bool:
    """Whether a token was issued under the user's current password: changing
    it raises the version, and every older token stops working."""
    return claims.get("ver") == account.token_version


async def get_current_user(
    token: TokenDep, repository: RepositoryDep, settings: SettingsDep
) -> UserAccount:
    """The user the bearer token names, or 401. The checks override this one."""
    # One answer for every way a token can be wrong: a client learns nothing
    # from the difference, and an attacker learns nothing either.
    credentials_error = unauthorized("Could not validate credentials")
    try:
        claims = decode_access_token(token, secret_key=settings.secret_key)
        user_id = int(claims["sub"])
    # InvalidTokenError is the parent of every reason PyJWT refuses a token
    # (bad signature, expired, malformed, a claim missing). Catching only
    # ExpiredSignatureError would turn a garbage token into a 500.
    except (jwt.InvalidTokenError, ValueError):
        raise credentials_error from None
    account = await repository.users.account(user_id)
    # A deleted user's token is still well signed: only the database knows.
    if account is None or not is_current(claims, account):
        raise credentials_error
    return account


CurrentUserDep = Annotated[UserAccount, Depends(get_current_user)]
# For a router whose every route needs a signed-in user, whether or not the
# route reads it: APIRouter(dependencies=[signed_in]). FastAPI solves
# get_current_user once a request, however many times it is asked for.
signed_in = Depends(get_current_user)


async def get_current_admin(user: CurrentUserDep) -> UserAccount:
    """The signed-in user if they are an admin; 403 otherwise (known, not allowed)."""
    if not user.is_admin:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Admins only")
    return user


AdminDep = Annotated[UserAccount, Depends(get_current_admin)]
# For routes that need an admin but not the user object: dependencies=[admin_only].
admin_only = Depends(get_current_admin)


def may_manage(current: UserAccount, user_id: int) -> bool:
    """Users manage their own account; admins manage everyone's."""
    return current.is_admin or current.id == user_id
