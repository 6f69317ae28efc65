"""Points settings (admin): X per phase, point value, liability thresholds, and their history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from app.api.conditional import NOT_MODIFIED, IfMatch, IfNoneMatch, respond, set_etag, tagged
from app.api.deps import Admin, Cursor, Limit, UoW
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.catalogue import PointsSettingsHistory, PointsSettingsIn, PointsSettingsPublic
from app.services.loyalty import catalogue as service

router = APIRouter(prefix="/points/settings", tags=["points-settings"])


@router.get(
    "",
    response_model=PointsSettingsPublic,
    responses={**tagged(), **NOT_MODIFIED, **problems(401, 403, 404, 503)},
)
async def get_points_settings(
    _principal: Admin, uow: UoW, response: Response, if_none_match: IfNoneMatch = None
) -> Any:
    """The settings in force, with their ETag; Y is always 1 − X."""
    return respond(response, await uow.read(service.get_points_settings), if_none_match)


@router.put(
    "",
    response_model=PointsSettingsPublic,
    responses={**tagged(), **problems(401, 403, 412, 413, 415, 422, 428, 503)},
)
async def replace_points_settings(
    body: PointsSettingsIn, principal: Admin, uow: UoW, response: Response, if_match: IfMatch = None
) -> Any:
    """Replace every setting; a new X applies only to purchases posted after the change.

    `If-Match` with the settings' ETag is required (428 without it, 412 when they changed).
    """
    settings = await uow.run(
        lambda s: service.replace_points_settings(s, body, principal, utcnow(), if_match)
    )
    return set_etag(response, settings)


@router.get("/history", response_model=PointsSettingsHistory, responses=problems(401, 403, 422, 503))
async def list_points_settings_changes(
    _principal: Admin, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> PointsSettingsHistory:
    """Every change of the settings, newest first: who, when, before and after."""
    return await uow.read(lambda s: service.list_settings_history(s, limit, cursor))
