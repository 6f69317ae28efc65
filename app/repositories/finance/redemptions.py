"""Redemption entries and their reversals in the ledger."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import LedgerEntry
from app.repositories import tables

t = tables.ledger_entry


async def get_entry(session: AsyncSession, customer_id: str, entry_id: str) -> LedgerEntry | None:
    query = select(t).where(t.c.id == entry_id, t.c.customer_id == customer_id)
    row = (await session.execute(query)).first()
    return LedgerEntry.model_validate(row._mapping) if row else None


async def reversal_of(session: AsyncSession, customer_id: str, entry_id: str) -> str | None:
    """The entry that reversed redemption `entry_id`, if any (refund reversals name a refund)."""
    query = select(t.c.id).where(
        t.c.customer_id == customer_id,
        t.c.kind == "reverse",
        t.c.reverses_id == entry_id,
        t.c.refund_id.is_(None),
    )
    found = (await session.execute(query)).scalar()
    return str(found) if found else None
