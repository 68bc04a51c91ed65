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
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="auth/token")

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


async def get_current_admin(user: CurrentUserDep) -> UserAccount:
    """The signed-in user if they are an admin; 403 otherwise (known, not allowed)."""
    if not user.is_admin:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Admins only")
    return user


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
    account = await repository.users.account_by_username(form.username)
    # Always verify, even for a user that does not exist (against a dummy
    # hash): an answer that comes back sooner would say "no such user".
    valid = await passwords.verify(form.password, account.hashed_password if account else None)
    if account is None or not valid:
        raise unauthorized("Incorrect username or password")
    token = create_access_token(
        str(account.id),
        secret_key=settings.secret_key,
        lifetime=timedelta(minutes=settings.access_token_expire_minutes),
        ver=account.token_version,
    )
    return Token(access_token=token)


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
    # A stolen token alone must not be enough to take the account over.
    if not await passwords.verify(change.current_password, user.hashed_password):
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Incorrect password")
    await repository.users.set_password(user.id, await passwords.hash(change.new_password))
    audit.record("update", "user", user.id)


async def create_first_admin(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, passwords: Passwords
) -> None:
    """Create the admin named by FIRST_ADMIN_* at startup, unless that user exists.

    The only way to an admin: no request can set is_admin, so someone who runs
    the server must name the first one.
    """
    username, email, password = (
        settings.first_admin_username,
        settings.first_admin_email,
        settings.first_admin_password,
    )
    if not (username and email and password):
        return
    async with sessions() as session:
        if await Repository(session).users.account_by_username(username) is not None:
            return
    # Hashed outside any transaction: no connection is held for the hash.
    hashed = await passwords.hash(password.get_secret_value())
    try:
        async with sessions.begin() as session:
            await Repository(session).users.add(
                username=username, email=email, hashed_password=hashed, is_admin=True
            )
    except ConflictError:
        pass  # another worker, starting at the same moment, created it first
