"""Marketing settings (admin): the thresholds, windows and shares of the member analysis."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from app.api.conditional import NOT_MODIFIED, IfMatch, IfNoneMatch, respond, set_etag, tagged
from app.api.deps import Admin, UoW
from app.errors import problems
from app.models.base import utcnow
from app.models.marketing.settings import MarketingSettingsIn, MarketingSettingsPublic
from app.services.marketing import settings as service

router = APIRouter(prefix="/marketing/settings", tags=["marketing"])


@router.get(
    "",
    response_model=MarketingSettingsPublic,
    responses={**tagged(), **NOT_MODIFIED, **problems(401, 403, 503)},
)
async def get_marketing_settings(
    _principal: Admin, uow: UoW, response: Response, if_none_match: IfNoneMatch = None
) -> Any:
    """The analysis settings in force (the defaults until first replaced), with their ETag."""
    return respond(response, await uow.read(service.get_marketing_settings), if_none_match)


@router.put(
    "",
    response_model=MarketingSettingsPublic,
    responses={**tagged(), **problems(401, 403, 412, 413, 415, 422, 428, 503)},
)
async def replace_marketing_settings(
    body: MarketingSettingsIn, principal: Admin, uow: UoW, response: Response, if_match: IfMatch = None
) -> Any:
    """Replace every setting; members follow at their next change and the next bulk analysis.

    `If-Match` with the settings' ETag is required (428 without it, 412 when they changed).
    """
    settings = await uow.run(
        lambda s: service.replace_marketing_settings(s, body, if_match, utcnow(), principal)
    )
    return set_etag(response, settings)
