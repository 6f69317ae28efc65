"""Reads for finance reports: purchases, refunds and ledger entries of a range; balances."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, case, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import LedgerEntry, Refund
from app.models.loyalty.purchases import PurchaseLineRecord, PurchaseRecord
from app.repositories import tables

p, pl, r, le, c = tables.purchase, tables.purchase_line, tables.refund, tables.ledger_entry, tables.customer
PAGE = 1000  # rows per page: also bounds the ids of one IN (…) list


async def _pages(
    session: AsyncSession, table: Table, start: datetime, end: datetime
) -> AsyncIterator[list[Any]]:
    """Rows of `table` created in [start, end), oldest first, in keyset pages (reads run
    outside a transaction, where server-side cursors are not allowed)."""
    page = PAGE
    query = (
        select(table)
        .where(table.c.created_at >= start, table.c.created_at < end)
        .order_by(table.c.created_at, table.c.id)
        .limit(page)
    )
    after: tuple[datetime, str] | None = None
    while True:
        bounded = (
            query if after is None else query.where(tuple_(table.c.created_at, table.c.id) > tuple_(*after))
        )
        rows = list(await session.execute(bounded))
        if rows:
            yield rows
        if len(rows) < page:
            return
        after = (rows[-1].created_at, rows[-1].id)


async def purchases_posted(
    session: AsyncSession, start: datetime, end: datetime
) -> AsyncIterator[list[PurchaseRecord]]:
    async for rows in _pages(session, p, start, end):
        yield [PurchaseRecord.model_validate(row._mapping) for row in rows]


async def refunds_made(session: AsyncSession, start: datetime, end: datetime) -> AsyncIterator[list[Refund]]:
    async for rows in _pages(session, r, start, end):
        yield [Refund.model_validate(row._mapping) for row in rows]


async def entries_written(
    session: AsyncSession, start: datetime, end: datetime
) -> AsyncIterator[list[LedgerEntry]]:
    async for rows in _pages(session, le, start, end):
        yield [LedgerEntry.model_validate(row._mapping) for row in rows]


async def purchases_by_id(session: AsyncSession, ids: Sequence[str]) -> dict[str, PurchaseRecord]:
    if not ids:
        return {}
    rows = await session.execute(select(p).where(p.c.id.in_(ids)))
    return {row.id: PurchaseRecord.model_validate(row._mapping) for row in rows}


async def refunds_by_id(session: AsyncSession, ids: Sequence[str]) -> dict[str, Refund]:
    if not ids:
        return {}
    rows = await session.execute(select(r).where(r.c.id.in_(ids)))
    return {row.id: Refund.model_validate(row._mapping) for row in rows}


async def lines_of(session: AsyncSession, ids: Sequence[str]) -> dict[str, list[PurchaseLineRecord]]:
    found: dict[str, list[PurchaseLineRecord]] = {pid: [] for pid in ids}
    if ids:
        rows = await session.execute(select(pl).where(pl.c.purchase_id.in_(ids)).order_by(pl.c.line_no))
        for row in rows:
            found[row.purchase_id].append(PurchaseLineRecord.model_validate(row._mapping))
    return found


async def balances_before(session: AsyncSession, end: datetime, page: int = 5 * PAGE) -> AsyncIterator[Any]:
    """Every entry before `end` (member, entry_no, balance after, tier after, when), oldest first,
    in keyset pages (reads run outside a transaction, where server cursors are not allowed)."""
    query = (
        select(le.c.id, le.c.customer_id, le.c.entry_no, le.c.balance_after, le.c.tier_after, le.c.created_at)
        .where(le.c.created_at < end)
        .order_by(le.c.created_at, le.c.id)
        .limit(page)
    )
    after: tuple[datetime, str] | None = None
    while True:
        bounded = query if after is None else query.where(tuple_(le.c.created_at, le.c.id) > tuple_(*after))
        rows = list(await session.execute(bounded))
        for row in rows:
            yield row
        if len(rows) < page:
            return
        after = (rows[-1].created_at, rows[-1].id)


def _points(value: Decimal | None) -> Decimal:
    """A sum of a points column (typed `Cents`, so already points), 0 for no rows."""
    return value if value is not None else Decimal("0.00")


async def top_holders(session: AsyncSession, limit: int) -> list[Any]:
    query = (
        select(c.c.id, c.c.name, c.c.tier, c.c.balance)
        .where(c.c.balance > 0)
        .order_by(c.c.balance.desc(), c.c.id)
        .limit(limit)
    )
    return list(await session.execute(query))


async def by_tier(session: AsyncSession) -> list[tuple[str, int, Decimal, Decimal]]:
    """Per tier held: members, their positive balances, and all their balances."""
    positive = func.sum(case((c.c.balance > 0, c.c.balance), else_=0))
    query = (
        select(c.c.tier, func.count(), positive, func.sum(c.c.balance)).group_by(c.c.tier).order_by(c.c.tier)
    )
    return [(row[0], int(row[1]), _points(row[2]), _points(row[3])) for row in await session.execute(query)]


async def by_band(session: AsyncSession, edges: Sequence[Decimal]) -> list[tuple[int, int, Decimal]]:
    """Members and balances per band: band 0 is ≤ 0, band i is (edges[i-1], edges[i]], the last open."""
    cents = [int(e * 100) for e in edges]
    band = case(
        (c.c.balance <= 0, 0),
        *[(c.c.balance <= edge, i + 1) for i, edge in enumerate(cents)],
        else_=len(cents) + 1,
    ).label("band")
    query = select(band, func.count(), func.sum(c.c.balance)).group_by(band).order_by(band)
    return [(int(row[0]), int(row[1]), _points(row[2])) for row in await session.execute(query)]
