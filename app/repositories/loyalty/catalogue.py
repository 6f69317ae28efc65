from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ScalarSelect, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import PointsSettingsChange, PointsSettingsRow, ServiceType, Tier
from app.repositories import tables

SETTINGS_ID = 1


async def list_tiers(session: AsyncSession) -> list[Tier]:
    rows = await session.execute(select(tables.tier).order_by(tables.tier.c.threshold))
    return [Tier.model_validate(r._mapping) for r in rows]


async def replace_tiers(session: AsyncSession, tiers: Sequence[Tier]) -> None:
    await session.execute(delete(tables.tier))
    session.add_all(tiers)
    await session.flush()


async def list_service_types(session: AsyncSession) -> list[ServiceType]:
    rows = await session.execute(select(tables.service_type).order_by(tables.service_type.c.code))
    return [ServiceType.model_validate(r._mapping) for r in rows]


async def get_service_type(session: AsyncSession, code: str) -> ServiceType | None:
    return await session.get(ServiceType, code)


async def add(session: AsyncSession, *rows: ServiceType | PointsSettingsRow | PointsSettingsChange) -> None:
    session.add_all(rows)
    await session.flush()


def catalogue_version_query() -> ScalarSelect[int]:
    """A scalar subquery for the catalogue version, to ride along with another SELECT."""
    ps = tables.points_settings
    return select(ps.c.catalogue_version).where(ps.c.id == SETTINGS_ID).scalar_subquery()


async def catalogue_version(session: AsyncSession) -> int:
    return int((await session.execute(select(catalogue_version_query()))).scalar_one())


async def bump_catalogue_version(session: AsyncSession) -> None:
    """Tell every worker's rules cache that settings, tiers or service types changed."""
    ps = tables.points_settings
    await session.execute(
        update(ps).where(ps.c.id == SETTINGS_ID).values(catalogue_version=ps.c.catalogue_version + 1)
    )


async def get_settings(session: AsyncSession) -> PointsSettingsRow | None:
    row = (
        await session.execute(
            select(tables.points_settings).where(tables.points_settings.c.id == SETTINGS_ID)
        )
    ).first()
    return PointsSettingsRow.model_validate(row._mapping) if row else None


async def get_settings_for_update(session: AsyncSession) -> PointsSettingsRow | None:
    return await session.get(PointsSettingsRow, SETTINGS_ID, with_for_update=True)


async def list_settings_changes(
    session: AsyncSession, limit: int, before_id: str | None
) -> Sequence[PointsSettingsChange]:
    query = select(PointsSettingsChange).order_by(PointsSettingsChange.id.desc()).limit(limit)  # type: ignore[attr-defined]
    if before_id:
        query = query.where(PointsSettingsChange.id < before_id)  # type: ignore[arg-type]
    return (await session.execute(query)).scalars().all()
