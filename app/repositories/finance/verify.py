"""Read-only figures for `crm verify`: the ledger summed per member, and the members' running totals."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import tables


@dataclass(frozen=True)
class Figures:
    balance: Decimal
    lifetime_points: Decimal
    lifetime_profit_points: Decimal
    lifetime_consumption_points: Decimal
    ledger_seq: int


def _points(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal("0.00")


async def ledger_figures(
    session: AsyncSession, customer_ids: Sequence[str] | None = None
) -> dict[str, Figures]:
    """Each member's totals (or those of `customer_ids`) as the ledger explains them."""
    e = tables.ledger_entry
    query = select(
        e.c.customer_id,
        func.sum(e.c.points),
        func.sum(case((e.c.counts_toward_tier, e.c.points), else_=0)),
        func.sum(e.c.profit_points),
        func.sum(e.c.consumption_points),
        func.max(e.c.entry_no),
    ).group_by(e.c.customer_id)
    if customer_ids is not None:
        query = query.where(e.c.customer_id.in_(customer_ids))
    return {
        r[0]: Figures(_points(r[1]), _points(r[2]), _points(r[3]), _points(r[4]), int(r[5]))
        for r in await session.execute(query)
    }


async def member_figures(session: AsyncSession) -> AsyncIterator[tuple[str, Figures]]:
    """Every member's running totals (deleted ones too: their points still count)."""
    c = tables.customer
    query = select(
        c.c.id,
        c.c.balance,
        c.c.lifetime_points,
        c.c.lifetime_profit_points,
        c.c.lifetime_consumption_points,
        c.c.ledger_seq,
    )
    for r in await session.execute(query):
        yield r[0], Figures(r[1], r[2], r[3], r[4], int(r[5]))
