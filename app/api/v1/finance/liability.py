"""The points liability now, and the finance settings (settlement minimum, tier-change alerts)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from app.api.conditional import NOT_MODIFIED, IfMatch, IfNoneMatch, respond, set_etag, tagged
from app.api.deps import Admin, FinanceRead, UoW
from app.errors import problems
from app.models.base import utcnow
from app.models.finance.liability import FinanceSettingsIn, FinanceSettingsPublic, LiabilityPublic
from app.services.finance import liability as service

router = APIRouter(prefix="/finance", tags=["finance"])


@router.get("/liability", response_model=LiabilityPublic, responses=problems(401, 403, 503))
async def get_liability(_principal: FinanceRead, uow: UoW) -> LiabilityPublic:
    """The outstanding liability (money and points), the thresholds and the band: no scan of members."""
    return await uow.read(service.get_liability)


@router.get(
    "/settings",
    response_model=FinanceSettingsPublic,
    responses={**tagged(), **NOT_MODIFIED, **problems(401, 403, 503)},
)
async def get_finance_settings(
    _principal: Admin, uow: UoW, response: Response, if_none_match: IfNoneMatch = None
) -> Any:
    """The minimum balance a forced settlement pays out, and whether tier changes raise alerts."""
    return respond(response, await uow.read(service.get_finance_settings), if_none_match)


@router.put(
    "/settings",
    response_model=FinanceSettingsPublic,
    responses={**tagged(), **problems(401, 403, 412, 413, 415, 422, 428, 503)},
)
async def replace_finance_settings(
    body: FinanceSettingsIn, principal: Admin, uow: UoW, response: Response, if_match: IfMatch = None
) -> Any:
    """Replace both settings. `If-Match` with their ETag is required (428 without, 412 if stale)."""
    settings = await uow.run(
        lambda s: service.replace_finance_settings(s, body, if_match, utcnow(), principal)
    )
    return set_etag(response, settings)
