"""The rows the warehouse export reads: each dataset's columns, ordered by its month column."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import tables


def members(columns: Sequence[str], since: datetime | None) -> Select[Any]:
    t = tables.customer
    query = select(*(t.c[c] for c in columns))
    return (query.where(t.c.created_at >= since) if since else query).order_by(t.c.created_at, t.c.id)


def purchases(columns: Sequence[str], since: datetime | None) -> Select[Any]:
    t = tables.purchase
    query = select(*(t.c[c] for c in columns))
    return (query.where(t.c.occurred_at >= since) if since else query).order_by(t.c.occurred_at, t.c.id)


def purchase_lines(columns: Sequence[str], since: datetime | None) -> Select[Any]:
    """Lines with their purchase's customer and date (the partition key)."""
    line, purchase = tables.purchase_line, tables.purchase
    own = [line.c[c] for c in columns if c in line.c and c != "purchase_id"]
    query = select(
        line.c.purchase_id, purchase.c.customer_id, purchase.c.store_id, purchase.c.occurred_at, *own
    ).join(purchase, purchase.c.id == line.c.purchase_id)
    if since:
        query = query.where(purchase.c.occurred_at >= since)
    return query.order_by(purchase.c.occurred_at, line.c.purchase_id, line.c.line_no)


def ledger_entries(columns: Sequence[str], since: datetime | None) -> Select[Any]:
    t = tables.ledger_entry
    query = select(*(t.c[c] for c in columns))
    return (query.where(t.c.created_at >= since) if since else query).order_by(t.c.created_at, t.c.id)


async def stream(session: AsyncSession, query: Select[Any]) -> AsyncIterator[dict[str, Any]]:
    """Rows as mappings, fetched in batches so a large table never sits in memory at once."""
    result = await session.stream(query.execution_options(yield_per=5000))
    async for row in result.mappings():
        yield dict(row)
