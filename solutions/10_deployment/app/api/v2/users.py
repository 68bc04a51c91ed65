"""v2's users: as v1's, but the admins' list pages by cursor."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, HTTPException, Path, Query, Response, status

from app.api.deps import (
    AuditDep,
    CurrentUserDep,
    EmailSenderDep,
    PasswordsDep,
    RepositoryDep,
    SessionFactoryDep,
    admin_only,
    may_manage,
    unit_of_work,
)
from app.data.repository import ConflictError
from app.schemas.common import PasswordChange, UserCreate, UserPublic
from app.schemas.v2 import CursorParams, Page, page_of
from app.services.tasks import send_welcome_email

router = APIRouter(prefix="/users", tags=["users"])

UserId = Annotated[int, Path(ge=1)]


@router.get("/me")
async def read_current_user(user: CurrentUserDep) -> UserPublic:
    """The signed-in user."""
    return user


@router.put("/me/password", status_code=status.HTTP_204_NO_CONTENT, dependencies=[unit_of_work])
async def change_password(
    change: PasswordChange,
    user: CurrentUserDep,
    repository: RepositoryDep,
    passwords: PasswordsDep,
    audit: AuditDep,
) -> None:
    """Change your password; every token issued before now stops working."""
    if not await passwords.verify(change.current_password, user.hashed_password):
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Incorrect password")
    await repository.users.set_password(user.id, await passwords.hash(change.new_password))
    audit.record("update", "user", user.id)


@router.get("/{user_id}")
async def read_user(
    user_id: UserId, current: CurrentUserDep, repository: RepositoryDep
) -> UserPublic:
    """One user by id: yourself, or anyone for an admin; 404 otherwise."""
    user = await repository.users.get(user_id) if may_manage(current, user_id) else None
    if user is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")
    return user


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[unit_of_work])
async def delete_user(
    user_id: UserId, current: CurrentUserDep, repository: RepositoryDep, audit: AuditDep
) -> None:
    """Delete a user (yourself, or anyone for an admin); 204 and no body, or 404."""
    if not may_manage(current, user_id) or not await repository.users.delete(user_id):
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")
    audit.record("delete", "user", user_id)


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[unit_of_work])
async def create_user(
    user: UserCreate,
    response: Response,
    repository: RepositoryDep,
    background_tasks: BackgroundTasks,
    sessions: SessionFactoryDep,
    sender: EmailSenderDep,
    audit: AuditDep,
    passwords: PasswordsDep,
) -> UserPublic:
    """Register a user; the answer never includes the password. 409 when the
    username or the email is taken."""
    try:
        created = await repository.users.add(
            username=user.username,
            email=user.email,
            hashed_password=await passwords.hash(user.password),
        )
    except ConflictError:
        # The unique constraint decides, at the INSERT: of two signups with
        # one username at the same instant, exactly one is refused here.
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT, detail="Username or email already registered"
        ) from None
    response.headers["Location"] = f"/api/v2/users/{created.id}"
    background_tasks.add_task(send_welcome_email, sessions, created.id, sender)
    audit.record("create", "user", created.id)
    return created


@router.get("", dependencies=[admin_only])
async def list_users(
    page: Annotated[CursorParams, Query()], repository: RepositoryDep
) -> Page[UserPublic]:
    """Users oldest first, one page of them; next_cursor leads to the next."""
    return page_of(await repository.users.find_after(page))
