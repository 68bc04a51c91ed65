"""Who is asking: the login route, the dependencies that turn a bearer token
into a user, and the first admin.

Authentication answers "who are you?" (a token, or 401); authorization answers
"may you?" (403 for a route you may not use, 404 for a record that is not yours).
Routes say which they need with a parameter: `user: CurrentUserDep` for any
signed-in user, `dependencies=[admin_only]` for admins.
"""

from datetime import timedelta
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.dependencies import AuditDep, RepositoryDep, SettingsDep, unit_of_work
from app.models import PasswordChange, Token, UserAccount
from app.repository import ConflictError, Repository
from app.security import Passwords, create_access_token, decode_access_token
from app.settings import Settings

# Reads "Authorization: Bearer <token>", and only that: a token in a URL ends
# up in logs and browser history. Without the header it answers 401 itself.
# tokenUrl is where /docs sends the login form ("Authorize"); relative, like
# every URL in the OpenAPI schema, so it still works behind a path prefix.
# TODO 8.8: tokenUrl is the path of your login route.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

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
    # TODO 8.5: compare the token's "ver" claim with the account's token_version.
    return True


async def get_current_user(
    token: TokenDep, repository: RepositoryDep, settings: SettingsDep
) -> UserAccount:
    """The user the bearer token names, or 401. The checks override this one."""
    raise NotImplementedError("TODO 8.4: decode the token and load the user it names, or 401")


CurrentUserDep = Annotated[UserAccount, Depends(get_current_user)]


async def get_current_admin(user: CurrentUserDep) -> UserAccount:
    """The signed-in user if they are an admin; 403 otherwise (known, not allowed)."""
    raise NotImplementedError("TODO 8.6: the user if they are an admin, or 403")


AdminDep = Annotated[UserAccount, Depends(get_current_admin)]
# For routes that need an admin but not the user object: dependencies=[admin_only].
admin_only = Depends(get_current_admin)


router = APIRouter(tags=["auth"])


@router.post("/auth/token")
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    repository: RepositoryDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
) -> Token:
    """Trade a username and password (a form, as OAuth2's password flow sends
    them) for a bearer access token."""
    raise NotImplementedError("TODO 8.2: check the password and answer a Token, or 401")


@router.put(
    "/users/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["users"],
    dependencies=[unit_of_work],
)
async def change_password(
    change: PasswordChange,
    user: CurrentUserDep,
    repository: RepositoryDep,
    passwords: PasswordsDep,
    audit: AuditDep,
) -> None:
    """Change your password; every token issued before now stops working."""
    raise NotImplementedError("TODO 8.5: check current_password, then store the new hash")


async def create_first_admin(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, passwords: Passwords
) -> None:
    """Create the admin named by FIRST_ADMIN_* at startup, unless that user exists.

    The only way to an admin: no request can set is_admin, so someone who runs
    the server must name the first one.
    """
    # TODO 8.6: when FIRST_ADMIN_USERNAME, _EMAIL and _PASSWORD are all set and
    # no user has that username, add that user with is_admin=True.
    return
