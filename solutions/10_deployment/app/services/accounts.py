"""The accounts the app makes by itself: the first admin, at startup."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.security import Passwords
from app.data.repository import ConflictError, Repository


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
