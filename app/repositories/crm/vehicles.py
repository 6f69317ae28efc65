"""Vehicles and their odometer readings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import tables

t = tables.vehicle


async def find_by_vin(session: AsyncSession, vin: str) -> str | None:
    return (await session.execute(select(t.c.id).where(t.c.vin == vin))).scalar()


async def update_fields(session: AsyncSession, vehicle_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(t).where(t.c.id == vehicle_id).values(**values))
