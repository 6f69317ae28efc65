"""What readiness and the business gauges read: the schema revision, member totals, the outbox."""

from __future__ import annotations

from datetime import datetime
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


async def outbox_backlog(session: AsyncSession, now: datetime) -> tuple[int, int]:
    """Events not yet fanned out, and webhook deliveries due and not yet delivered."""
    ev, d = tables.webhook_event, tables.webhook_delivery
    events = select(func.count()).where(ev.c.dispatched_at.is_(None)).scalar_subquery()
    due = select(func.count()).where(d.c.status == "pending", d.c.next_attempt_at <= now).scalar_subquery()
    undispatched, pending = (await session.execute(select(events, due))).one()
    return int(undispatched), int(pending)
