"""The ordered tier table."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import Admin, MembersRead, UoW
from app.errors import problems
from app.models.loyalty.catalogue import TierTable, TierTableIn
from app.services.loyalty import catalogue as service

router = APIRouter(prefix="/tiers", tags=["tiers"])


@router.get("", response_model=TierTable, responses=problems(401, 403, 503))
async def get_tiers(_principal: MembersRead, uow: UoW) -> TierTable:
    """The ordered tier table."""
    return await uow.read(service.get_tier_table)


@router.put("", response_model=TierTable, responses=problems(401, 403, 413, 415, 422, 503))
async def replace_tiers(body: TierTableIn, _principal: Admin, uow: UoW) -> TierTable:
    """Replace the whole table (codes unique, thresholds rising from 0); every member is re-graded."""
    return await uow.run(lambda s: service.replace_tier_table(s, body))
