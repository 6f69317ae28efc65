"""Redemption entries and their reversals in the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import LedgerEntry
from app.repositories import tables
from app.repositories.crm import seen
from app.repositories.crm.seen import EVERYONE, Reach

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


@dataclass(frozen=True)
class RedemptionFilters:
    store_id: str | None = None
    receipt_ref: str | None = None
    customer_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    reach: Reach = EVERYONE  # a staff user's key: only its members' redemptions


async def page(
    session: AsyncSession, filters: RedemptionFilters, limit: int, before_id: str | None
) -> list[LedgerEntry]:
    """Redemption entries, newest first (ids sort by creation), matching every filter given."""
    query = select(t).where(t.c.kind == "redeem").order_by(t.c.id.desc()).limit(limit)
    for column, value in (
        (t.c.store_id, filters.store_id),
        (t.c.receipt_ref, filters.receipt_ref),
        (t.c.customer_id, filters.customer_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.reach.rep is not None:
        query = query.where(t.c.customer_id.in_(seen.member_ids(filters.reach)))
    if filters.since is not None:
        query = query.where(t.c.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(t.c.created_at < filters.until)
    if before_id is not None:
        query = query.where(t.c.id < before_id)
    return [LedgerEntry.model_validate(row._mapping) for row in await session.execute(query)]


async def reversals_of(session: AsyncSession, entry_ids: list[str]) -> dict[str, str]:
    """Redemption id → the id of the entry that reversed it, for those reversed."""
    if not entry_ids:
        return {}
    query = select(t.c.reverses_id, t.c.id).where(
        t.c.kind == "reverse", t.c.refund_id.is_(None), t.c.reverses_id.in_(entry_ids)
    )
    return {str(row[0]): str(row[1]) for row in await session.execute(query)}
