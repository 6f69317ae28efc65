"""Tickets and their tasks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import tables

tk = tables.ticket
ts = tables.ticket_task


async def update_ticket(session: AsyncSession, ticket_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(tk).where(tk.c.id == ticket_id).values(**values))


async def update_task(session: AsyncSession, task_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(ts).where(ts.c.id == task_id).values(**values))


async def open_tasks(session: AsyncSession, ticket_ids: list[str]) -> dict[str, int]:
    """How many tasks of each ticket are not done."""
    if not ticket_ids:
        return {}
    query = (
        select(ts.c.ticket_id, func.count())
        .where(ts.c.ticket_id.in_(ticket_ids), ts.c.done.is_(False))
        .group_by(ts.c.ticket_id)
    )
    return {str(tid): int(n) for tid, n in await session.execute(query)}
