"""Tiers, service types, points settings and their histories; the lock that guards them.

Stored rows are built into table models without re-validation (`Model(**row)`), so a row
that an older version let in can still be read, listed and corrected.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ScalarSelect, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CatalogueChange, PointsSettingsChange, PointsSettingsRow, ServiceType, Tier
from app.repositories import tables

SETTINGS_ID = 1
# Two-key advisory locks live in their own key space, apart from the one-key identity locks.
_RULES_LOCK = (0x4C59, 1)


async def hold_rules(session: AsyncSession, *, exclusive: bool) -> None:
    """Hold the rules in force until the transaction ends.

    Balance-changing use cases hold them shared (they run side by side); changing settings,
    tiers or service types holds them exclusively, so a change waits for the purchases in
    flight and the next purchases wait for it. On SQLite `BEGIN IMMEDIATE` already
    serialises every writer.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
    await session.execute(select(lock(*_RULES_LOCK)))


async def list_tiers(session: AsyncSession) -> list[Tier]:
    rows = await session.execute(select(tables.tier).order_by(tables.tier.c.threshold))
    return [Tier(**r._mapping) for r in rows]


async def replace_tiers(session: AsyncSession, tiers: Sequence[Tier]) -> None:
    await session.execute(delete(tables.tier))
    session.add_all(tiers)
    await session.flush()


async def list_service_types(
    session: AsyncSession, limit: int | None = None, after_code: str | None = None
) -> list[ServiceType]:
    st = tables.service_type
    query = select(st).order_by(st.c.code)
    if after_code is not None:
        query = query.where(st.c.code > after_code)
    if limit is not None:
        query = query.limit(limit)
    return [ServiceType(**r._mapping) for r in await session.execute(query)]


async def get_service_type(session: AsyncSession, code: str) -> ServiceType | None:
    return await session.get(ServiceType, code)


async def add(
    session: AsyncSession, *rows: ServiceType | PointsSettingsRow | PointsSettingsChange | CatalogueChange
) -> None:
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
    return PointsSettingsRow(**row._mapping) if row else None


async def get_settings_for_update(session: AsyncSession) -> PointsSettingsRow | None:
    return await session.get(PointsSettingsRow, SETTINGS_ID, with_for_update=True)


async def list_settings_changes(
    session: AsyncSession, limit: int, before_id: str | None
) -> Sequence[PointsSettingsChange]:
    query = select(PointsSettingsChange).order_by(PointsSettingsChange.id.desc()).limit(limit)  # type: ignore[attr-defined]
    if before_id:
        query = query.where(PointsSettingsChange.id < before_id)  # type: ignore[arg-type]
    return (await session.execute(query)).scalars().all()


async def list_catalogue_changes(
    session: AsyncSession, subject: str, limit: int, before_id: str | None
) -> list[CatalogueChange]:
    """Newest first."""
    cc = tables.catalogue_change
    query = select(cc).where(cc.c.subject == subject).order_by(cc.c.id.desc()).limit(limit)
    if before_id:
        query = query.where(cc.c.id < before_id)
    return [CatalogueChange(**r._mapping) for r in await session.execute(query)]
