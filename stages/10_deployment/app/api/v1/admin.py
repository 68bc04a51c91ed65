"""v1's back office: the outbox and the audit log, for admins only.

Two paths with no start in common, /outbox and /audit, so the router has no
prefix; what they share is who may read them, said once on the router.
"""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import PaginatorDep, RepositoryDep, admin_only
from app.schemas.common import AuditEntryPublic, OutboxMessagePublic
from app.schemas.v1 import Page

router = APIRouter(tags=["admin"], dependencies=[admin_only])


@router.get("/outbox")
async def list_outbox(
    page: Annotated[Page, Query()], repository: RepositoryDep, paginator: PaginatorDep
) -> list[OutboxMessagePublic]:
    """The emails the app has sent, oldest first: the stand-in mail server's outbox."""
    return paginator.paginate(await repository.outbox.find(page))


@router.get("/audit")
async def list_audit_entries(
    page: Annotated[Page, Query()], repository: RepositoryDep, paginator: PaginatorDep
) -> list[AuditEntryPublic]:
    """The audit log, oldest first: one entry for each write that succeeded."""
    return paginator.paginate(await repository.audit.find(page))
