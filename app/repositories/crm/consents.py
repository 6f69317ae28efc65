"""Consent decisions: appended, never changed; the latest per member and channel is in force."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.consents import ConsentChannel
from app.repositories import tables

e = tables.consent_event


def _in_force(event: Any) -> ColumnElement[bool]:
    """`event` is its member's latest decision on its channel (by `at`, which the service keeps
    growing per member; then by id)."""
    newer = tables.consent_event.alias("newer")
    later = select(newer.c.id).where(
        newer.c.customer_id == event.c.customer_id,
        newer.c.channel == event.c.channel,
        or_(newer.c.at > event.c.at, and_(newer.c.at == event.c.at, newer.c.id > event.c.id)),
    )
    return ~later.exists()


def consenting(channel: ConsentChannel | None = None) -> Select[tuple[str]]:
    """Ids of members whose decision in force on `channel` (any channel: None) is a grant.

    For `IN (…)` filters: campaigns select their audience per channel with it, marketing
    reminders with any channel. Deleted members may appear; the caller's member query
    already leaves them out.
    """
    event = tables.consent_event.alias("event")
    query = select(event.c.customer_id).where(event.c.granted, _in_force(event))
    return query.where(event.c.channel == channel.value) if channel is not None else query


async def append(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(e), rows)


async def in_force(session: AsyncSession, customer_id: str) -> dict[str, tuple[bool, datetime, str]]:
    """The member's decision in force per channel decided: (granted, at, source)."""
    query = select(e.c.channel, e.c.granted, e.c.at, e.c.source).where(
        e.c.customer_id == customer_id, _in_force(e)
    )
    return {r.channel: (r.granted, r.at, r.source) for r in await session.execute(query)}
