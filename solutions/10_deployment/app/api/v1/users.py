"""v1's users: sign up, read and delete yourself (an admin: anyone), change
your password, and the admins' list of everyone."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, HTTPException, Path, Query, Response, status

from app.api.deps import (
    AuditDep,
    CurrentUserDep,
    EmailSenderDep,
    PaginatorDep,
    PasswordsDep,
    RepositoryDep,
    SessionFactoryDep,
    admin_only,
    may_manage,
    unit_of_work,
)
from app.data.repository import ConflictError
from app.schemas.common import PasswordChange, UserCreate, UserPublic
from app.schemas.v1 import Page
from app.services.tasks import send_welcome_email

router = APIRouter(prefix="/users", tags=["users"])

# Ids are handed out from 1 up, so 0 or -3 cannot name anything: saying so in
# the type answers 422 before a lookup, and documents the bound in /docs.
UserId = Annotated[int, Path(ge=1)]


# Routes are matched in the order they are declared, and "me" fits the
# {user_id} pattern below (then fails as an integer): the fixed path goes first.
@router.get("/me")
async def read_current_user(user: CurrentUserDep) -> UserPublic:
    """The signed-in user."""
    # The return type is the filter: the hash and the token version stay here.
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
    # A stolen token alone must not be enough to take the account over.
    if not await passwords.verify(change.current_password, user.hashed_password):
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Incorrect password")
    await repository.users.set_password(user.id, await passwords.hash(change.new_password))
    audit.record("update", "user", user.id)


@router.get("/{user_id}")
async def read_user(
    user_id: UserId, current: CurrentUserDep, repository: RepositoryDep
) -> UserPublic:
    """One user by id: yourself, or anyone for an admin; 404 otherwise."""
    # Someone else's record answers as a missing one would: a 403 would
    # confirm that the id exists.
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


# "" and not "/": the path is /api/v1/users, with no trailing slash, as it was.
@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[unit_of_work])
async def create_user(
    user: UserCreate,
    response: Response,
    repository: RepositoryDep,
    # The request's task list, and what the welcome email needs: the factory
    # its task opens a session with, and the sender (replaceable in tests).
    background_tasks: BackgroundTasks,
    sessions: SessionFactoryDep,
    sender: EmailSenderDep,
    audit: AuditDep,
    passwords: PasswordsDep,
) -> UserPublic:
    """Register a user; the answer never includes the password. 409 when the
    username or the email is taken."""
    # Name each field that goes out rather than copying the input: a field
    # added to UserCreate later (a role, a hash) stays private by default.
    try:
        created = await repository.users.add(
            username=user.username,
            email=user.email,
            # The hash, never the password; is_admin is left to its default.
            hashed_password=await passwords.hash(user.password),
        )
    except ConflictError:
        # The unique constraints refused it. Asking first ("is this email
        # taken?") would not do: two requests can both hear "no".
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT, detail="Username or email already registered"
        ) from None
    response.headers["Location"] = f"/api/v1/users/{created.id}"
    # Scheduled, not awaited: it runs once the client has its 201. It is
    # handed the user's id, never this request's session or records.
    background_tasks.add_task(send_welcome_email, sessions, created.id, sender)
    audit.record("create", "user", created.id)
    return created


@router.get("", dependencies=[admin_only])
async def list_users(
    page: Annotated[Page, Query()], repository: RepositoryDep, paginator: PaginatorDep
) -> list[UserPublic]:
    """Users oldest first, one page of them."""
    return paginator.paginate(await repository.users.find(page))
