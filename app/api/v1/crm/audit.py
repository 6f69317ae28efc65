"""The audit log: a member's history (members:read, as the member is seen), everything (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.deps import Admin, Cursor, Limit, MembersRead, UoW
from app.api.v1.finance.query_types import Since, Until, parse_instant
from app.errors import problems
from app.models.audit import AuditPage
from app.models.text import CODE, RESOURCE_ID, STORE_ID
from app.repositories.audit import AuditFilters
from app.services import audit as service

router = APIRouter(tags=["audit"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get(
    "/customers/{customer_id}/history", response_model=AuditPage, responses=problems(401, 403, 404, 422, 503)
)
async def list_customer_history(
    customer_id: CustomerId, principal: MembersRead, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> AuditPage:
    """Every change to the member, newest first: who (key, user), when, and each field old → new."""
    return await uow.read(lambda s: service.member_history(s, principal, customer_id, limit, cursor))


@router.get("/audit", response_model=AuditPage, responses=problems(401, 403, 422, 503))
async def list_audit_events(
    _principal: Admin,
    uow: UoW,
    object_type: Annotated[str | None, Query(max_length=32, pattern=CODE)] = None,
    object_id: Annotated[str | None, Query(max_length=64, pattern=STORE_ID)] = None,
    actor: Annotated[
        str | None, Query(max_length=40, pattern=RESOURCE_ID, description="A key id or user id.")
    ] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AuditPage:
    """Audit events, newest first, filtered by object, actor (key or user) and time."""
    filters = AuditFilters(
        object_type, object_id, actor, parse_instant("since", since), parse_instant("until", until)
    )
    return await uow.read(lambda s: service.list_events(s, filters, limit, cursor))
