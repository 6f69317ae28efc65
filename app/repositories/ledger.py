from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import LedgerEntry
from app.models.base import Cents
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


async def totals(session: AsyncSession, customer_id: str) -> dict[str, Decimal]:
    """Sums of a member's ledger, to check the running totals against (tests, audits)."""
    t = tables.ledger_entry
    counted = t.c.counts_toward_tier
    row = (
        await session.execute(
            select(
                _sum(t.c.points).label("balance"),
                _sum(case((counted, t.c.points), else_=0)).label("lifetime_points"),
                _sum(t.c.profit_points).label("lifetime_profit_points"),
                _sum(t.c.consumption_points).label("lifetime_consumption_points"),
                func.count().label("entries"),
            ).where(t.c.customer_id == customer_id)
        )
    ).one()
    return {k: Decimal(v) for k, v in row._mapping.items()}


def _sum(column: Any) -> Any:
    return func.coalesce(func.sum(column), 0, type_=Cents())
