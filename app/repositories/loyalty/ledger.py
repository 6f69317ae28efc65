from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import LedgerEntry
from app.repositories import tables

_append = insert(tables.ledger_entry)


async def append(session: AsyncSession, values: dict[str, Any]) -> None:
    """Append one entry; the ledger is never updated or deleted."""
    await session.execute(_append, values)


async def page(
    session: AsyncSession, customer_id: str, limit: int, before_no: int | None
) -> Sequence[LedgerEntry]:
    t = tables.ledger_entry
    query = select(t).where(t.c.customer_id == customer_id).order_by(t.c.entry_no.desc()).limit(limit)
    if before_no is not None:
        query = query.where(t.c.entry_no < before_no)
    return [LedgerEntry.model_validate(r._mapping) for r in await session.execute(query)]


async def page_since(
    session: AsyncSession, customer_id: str, since: datetime, limit: int, after_no: int | None
) -> Sequence[LedgerEntry]:
    """Entries written at or after `since`, in the order they were written (entry_no)."""
    t = tables.ledger_entry
    query = (
        select(t)
        .where(t.c.customer_id == customer_id, t.c.created_at >= since)
        .order_by(t.c.entry_no.asc())
        .limit(limit)
    )
    if after_no is not None:
        query = query.where(t.c.entry_no > after_no)
    return [LedgerEntry.model_validate(r._mapping) for r in await session.execute(query)]
