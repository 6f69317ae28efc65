"""Vehicles and their odometer readings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Vehicle
from app.repositories import tables

t = tables.vehicle


async def find_by_vin(session: AsyncSession, vin: str) -> str | None:
    return (await session.execute(select(t.c.id).where(t.c.vin == vin))).scalar()


async def update_fields(session: AsyncSession, vehicle_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(t).where(t.c.id == vehicle_id).values(**values))


async def of_members(session: AsyncSession, customer_ids: list[str] | None = None) -> list[Vehicle]:
    """Vehicles of live members (of the given ones, or all)."""
    c = tables.customer
    query = select(t).join(c, c.c.id == t.c.customer_id).where(c.c.deleted_at.is_(None))
    if customer_ids is not None:
        query = query.where(t.c.customer_id.in_(customer_ids))
    return [Vehicle.model_validate(r._mapping) for r in await session.execute(query)]
