"""v1's login: POST /api/v1/auth/token, OAuth2's password flow."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import PasswordsDep, RepositoryDep, SettingsDep, unauthorized
from app.core.security import create_access_token
from app.schemas.common import Token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token")
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
