"""The ordered tier table and its change history."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import Admin, Cursor, Limit, MembersRead, UoW
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.catalogue import TierTable, TierTableIn
from app.models.loyalty.catalogue_history import CatalogueHistory, CatalogueSubject
from app.services.loyalty import catalogue as service

router = APIRouter(prefix="/tiers", tags=["tiers"])


@router.get("", response_model=TierTable, responses=problems(401, 403, 503))
async def get_tiers(_principal: MembersRead, uow: UoW) -> TierTable:
    """The ordered tier table."""
    return await uow.read(service.get_tier_table)


@router.put("", response_model=TierTable, responses=problems(401, 403, 413, 415, 422, 503))
async def replace_tiers(body: TierTableIn, principal: Admin, uow: UoW) -> TierTable:
    """Replace the whole table (codes unique, thresholds rising from 0); every member is re-graded.

    A member whose tier moves gets a zero-point `regrade` ledger entry; the change is logged.
    """
    return await uow.run(lambda s: service.replace_tier_table(s, body, utcnow(), principal.key_id))


@router.get("/history", response_model=CatalogueHistory, responses=problems(401, 403, 422, 503))
async def list_tier_table_changes(
    _principal: Admin, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> CatalogueHistory:
    """Every replacement of the table, newest first: who, when, before, after, members re-graded."""
    return await uow.read(lambda s: service.list_catalogue_history(s, CatalogueSubject.tiers, limit, cursor))
