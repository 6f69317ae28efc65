"""Points settings (admin): X per phase, point value, liability thresholds, and their history."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import Admin, Cursor, Limit, UoW
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.catalogue import PointsSettingsHistory, PointsSettingsIn, PointsSettingsPublic
from app.services.loyalty import catalogue as service

router = APIRouter(prefix="/points/settings", tags=["points-settings"])


@router.get("", response_model=PointsSettingsPublic, responses=problems(401, 403, 404, 503))
async def get_points_settings(_principal: Admin, uow: UoW) -> PointsSettingsPublic:
    """The settings in force; Y is always 1 − X."""
    return await uow.read(service.get_points_settings)


@router.put("", response_model=PointsSettingsPublic, responses=problems(401, 403, 413, 415, 422, 503))
async def replace_points_settings(body: PointsSettingsIn, principal: Admin, uow: UoW) -> PointsSettingsPublic:
    """Replace every setting; a new X applies only to purchases posted after the change."""
    return await uow.run(lambda s: service.replace_points_settings(s, body, principal.key_id, utcnow()))


@router.get("/history", response_model=PointsSettingsHistory, responses=problems(401, 403, 422, 503))
async def list_points_settings_changes(
    _principal: Admin, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> PointsSettingsHistory:
    """Every change of the settings, newest first: who, when, before and after."""
    return await uow.read(lambda s: service.list_settings_history(s, limit, cursor))
