"""The audit log: appended to, never updated or deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.audit import AuditEvent
from app.repositories import tables
from app.repositories.crm import rows

a = tables.audit_event


@dataclass(frozen=True)
class AuditFilters:
    object_type: str | None = None
    object_id: str | None = None
    actor: str | None = None  # a key id or a user id
    since: datetime | None = None
    until: datetime | None = None


async def append(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(a).values(**values))


async def page(
    session: AsyncSession, filters: AuditFilters, limit: int, after_id: str | None
) -> list[AuditEvent]:
    """Events matching the filters, newest first."""
    where: list[ColumnElement[bool]] = []
    if filters.object_type is not None:
        where.append(a.c.object_type == filters.object_type)
    if filters.object_id is not None:
        where.append(a.c.object_id == filters.object_id)
    if filters.actor is not None:
        where.append((a.c.api_key_id == filters.actor) | (a.c.user_id == filters.actor))
    if filters.since is not None:
        where.append(a.c.at >= filters.since)
    if filters.until is not None:
        where.append(a.c.at < filters.until)
    return await rows.page(session, a, AuditEvent, where, limit, after_id)
