"""What readiness and the business gauges read: the schema revision, member totals."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import tables

t = tables.customer


async def schema_revisions(session: AsyncSession) -> set[str]:
    rows = await session.execute(text("SELECT version_num FROM alembic_version"))
    return {str(r[0]) for r in rows}


async def member_totals(session: AsyncSession) -> tuple[int, Decimal]:
    """Live members and the points they hold (one aggregate over the member table)."""
    query = select(func.count(), func.coalesce(func.sum(t.c.balance), 0)).where(t.c.deleted_at.is_(None))
    count, balance = (await session.execute(query)).one()
    return int(count), Decimal(balance)
