from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Alert
from app.repositories import tables
from app.repositories.dialect import insert_ignore

t = tables.alert


async def insert(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Store an alert; False when one with the same `dedupe_key` exists already."""
    stmt = insert_ignore(session, t).returning(t.c.id)
    return (await session.execute(stmt, values)).first() is not None


async def get(session: AsyncSession, alert_id: str, *, for_update: bool = False) -> Alert | None:
    query = select(t).where(t.c.id == alert_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return Alert.model_validate(row._mapping) if row else None


@dataclass(frozen=True)
class AlertFilters:
    kind: str | None = None
    severity: str | None = None
    status: str | None = None
    customer_id: str | None = None
    since: datetime | None = None


async def page(session: AsyncSession, f: AlertFilters, limit: int, before_id: str | None) -> Sequence[Alert]:
    """Newest first; keyset pagination on the time-ordered id."""
    query = select(t).order_by(t.c.id.desc()).limit(limit)
    for field in ("kind", "severity", "status", "customer_id"):
        value = getattr(f, field)
        if value is not None:
            query = query.where(t.c[field] == value)
    if f.since is not None:
        query = query.where(t.c.created_at >= f.since)
    if before_id:
        query = query.where(t.c.id < before_id)
    return [Alert.model_validate(r._mapping) for r in await session.execute(query)]


async def update_fields(session: AsyncSession, alert_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(t).where(t.c.id == alert_id).values(**values))
