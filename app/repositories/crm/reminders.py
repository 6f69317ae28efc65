"""The few columns reminders are computed from."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import tables

c = tables.customer


async def birthdays(session: AsyncSession) -> list[tuple[str, str, date]]:
    """(id, name, birthday) of live members with a birthday."""
    query = select(c.c.id, c.c.name, c.c.birthday).where(c.c.deleted_at.is_(None), c.c.birthday.is_not(None))
    return [(r.id, r.name, r.birthday) for r in await session.execute(query)]


async def follow_ups(session: AsyncSession, first: date, last: date) -> list[tuple[str, str, str, date]]:
    """Activities of live members with a follow-up date in [first, last]."""
    a = tables.activity
    query = (
        select(a.c.id, a.c.customer_id, a.c.subject, a.c.follow_up_on)
        .join(c, c.c.id == a.c.customer_id)
        .where(c.c.deleted_at.is_(None), a.c.follow_up_on.between(first, last))
    )
    return [(r.id, r.customer_id, r.subject, r.follow_up_on) for r in await session.execute(query)]
