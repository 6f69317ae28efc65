"""Figures per sales rep (`customer.sales_rep`) over a period, for the members a caller sees."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import tables
from app.repositories.crm import seen
from app.repositories.crm.seen import Reach

c, p, pl = tables.customer, tables.purchase, tables.purchase_line
a, tk = tables.activity, tables.ticket


async def members(session: AsyncSession, reach: Reach) -> dict[str | None, int]:
    query = (
        select(c.c.sales_rep, func.count()).where(c.c.id.in_(seen.member_ids(reach))).group_by(c.c.sales_rep)
    )
    return {r[0]: int(r[1]) for r in await session.execute(query)}


async def purchases(session: AsyncSession, reach: Reach, start: datetime, end: datetime) -> list[Any]:
    """One row per purchase posted in [start, end): rep, payable, refunded, lines' profit and rebates."""
    lines = (
        select(
            pl.c.purchase_id,
            func.sum(pl.c.list_profit).label("profit"),
            func.sum(pl.c.rebate).label("rebate"),
        )
        .group_by(pl.c.purchase_id)
        .subquery()
    )
    query = (
        select(c.c.sales_rep, p.c.payable, p.c.refunded_amount, lines.c.profit, lines.c.rebate)
        .join(c, c.c.id == p.c.customer_id)
        .join(lines, lines.c.purchase_id == p.c.id)
        .where(p.c.customer_id.in_(seen.member_ids(reach)), p.c.occurred_at >= start, p.c.occurred_at < end)
    )
    return list(await session.execute(query))


async def activities(
    session: AsyncSession, reach: Reach, start: datetime, end: datetime
) -> dict[str | None, int]:
    query = (
        select(c.c.sales_rep, func.count())
        .join(c, c.c.id == a.c.customer_id)
        .where(a.c.customer_id.in_(seen.member_ids(reach)), a.c.occurred_at >= start, a.c.occurred_at < end)
        .group_by(c.c.sales_rep)
    )
    return {r[0]: int(r[1]) for r in await session.execute(query)}


async def open_tickets(session: AsyncSession, reach: Reach) -> dict[str | None, int]:
    query = (
        select(c.c.sales_rep, func.count())
        .join(c, c.c.id == tk.c.customer_id)
        .where(tk.c.customer_id.in_(seen.member_ids(reach)), tk.c.status != "closed")
        .group_by(c.c.sales_rep)
    )
    return {r[0]: int(r[1]) for r in await session.execute(query)}
