"""Readiness and the business figures exported as metrics."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.repositories import ops as repo


@dataclass(frozen=True)
class BusinessFigures:
    members: int
    points_outstanding: Decimal
    outbox_events: int
    webhook_deliveries_due: int


async def schema_is_current(session: AsyncSession, heads: Collection[str]) -> bool:
    """The database answers and is at the migrations' head."""
    return await repo.schema_revisions(session) == set(heads)


async def business_figures(session: AsyncSession) -> BusinessFigures:
    members, points = await repo.member_totals(session)
    events, due = await repo.outbox_backlog(session, utcnow())
    return BusinessFigures(members, points, events, due)
