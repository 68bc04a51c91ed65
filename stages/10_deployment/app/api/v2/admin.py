"""v2's back office: the outbox and the audit log, for admins, paged by cursor."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import RepositoryDep, admin_only
from app.schemas.common import AuditEntryPublic, OutboxMessagePublic
from app.schemas.v2 import CursorParams, Page, page_of

router = APIRouter(tags=["admin"], dependencies=[admin_only])


@router.get("/outbox")
async def list_outbox(
    page: Annotated[CursorParams, Query()], repository: RepositoryDep
) -> Page[OutboxMessagePublic]:
    """The emails the app has sent, oldest first: the stand-in mail server's outbox."""
    return page_of(await repository.outbox.find_after(page))


@router.get("/audit")
async def list_audit_entries(
    page: Annotated[CursorParams, Query()], repository: RepositoryDep
) -> Page[AuditEntryPublic]:
    """The audit log, oldest first: one entry for each write that succeeded."""
    return page_of(await repository.audit.find_after(page))
