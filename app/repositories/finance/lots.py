"""Points lots: open lots of a member, lots past their date, and their remaining points."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import PointsLot
from app.repositories import tables

t = tables.points_lot


async def add(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(t), values)


async def open_lots(session: AsyncSession, customer_id: str) -> Sequence[PointsLot]:
    """Lots with points left, oldest first (the member's row is locked by the caller)."""
    query = (
        select(t).where(t.c.customer_id == customer_id, t.c.remaining > 0).order_by(t.c.created_at, t.c.id)
    )
    return [PointsLot.model_validate(r._mapping) for r in await session.execute(query)]


async def get(session: AsyncSession, lot_id: str) -> PointsLot | None:
    row = (await session.execute(select(t).where(t.c.id == lot_id))).first()
    return PointsLot.model_validate(row._mapping) if row else None


async def set_values(session: AsyncSession, lot_id: str, values: dict[str, Decimal]) -> None:
    await session.execute(update(t).where(t.c.id == lot_id).values(values))


async def members_with_due_lots(session: AsyncSession, now: datetime, limit: int) -> list[str]:
    """Members holding lots past their date with points left (what the expiry run visits)."""
    query = (
        select(t.c.customer_id)
        .where(t.c.expires_at <= now, t.c.remaining > 0)
        .group_by(t.c.customer_id)
        .order_by(t.c.customer_id)
        .limit(limit)
    )
    return [str(r[0]) for r in await session.execute(query)]


async def drift(
    session: AsyncSession, customer_ids: Sequence[str] | None = None
) -> list[tuple[str, Decimal, Decimal]]:
    """Members (of `customer_ids`, or all) whose lots do not add up to max(0, balance):
    (member, balance, lots' remaining)."""
    c = tables.customer
    remaining = (
        select(t.c.customer_id, func.sum(t.c.remaining).label("remaining"))
        .group_by(t.c.customer_id)
        .subquery()
    )
    held = func.coalesce(remaining.c.remaining, 0)
    positive = case((c.c.balance > 0, c.c.balance), else_=0)
    query = (
        select(c.c.id, c.c.balance, held)
        .select_from(c.outerjoin(remaining, remaining.c.customer_id == c.c.id))
        .where(held != positive)
        .order_by(c.c.id)
    )
    if customer_ids is not None:
        query = query.where(c.c.id.in_(customer_ids))
    return [(r[0], r[1], Decimal(r[2])) for r in await session.execute(query)]  # typed Cents: points
