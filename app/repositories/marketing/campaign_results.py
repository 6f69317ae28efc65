"""Figures of a campaign's targeted and holdout members over its window, in a few aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import tables
from app.repositories.marketing.campaign_selection import line_profit, money, net_spend, raw

cm, cpp, p, ln = tables.campaign_member, tables.campaign_purchase, tables.purchase, tables.purchase_line


@dataclass(frozen=True)
class Group:
    members: int
    buyers: int
    purchases: int
    spend: Decimal
    profit: Decimal
    points: Decimal


async def group(
    session: AsyncSession,
    campaign_id: str,
    holdout: bool,
    start: datetime,
    end: datetime,
    store_id: str | None = None,
) -> Group:
    """Targeted (or holdout) members and their purchases in [start, end], net of refunds; a
    store's campaign counts only purchases at that store (another store's are not its to see)."""
    members = select(cm.c.customer_id).where(cm.c.campaign_id == campaign_id, cm.c.holdout.is_(holdout))
    count = (await session.execute(select(func.count()).select_from(members.subquery()))).scalar_one()
    window = [p.c.customer_id.in_(members), p.c.occurred_at >= start, p.c.occurred_at <= end]
    if store_id is not None:
        window.append(p.c.store_id == store_id)
    bought = select(
        func.count(),
        func.count(distinct(p.c.customer_id)),
        func.sum(net_spend()),
        func.sum(raw(p.c.points) - raw(p.c.reversed_points)),
    ).where(*window)
    n, buyers, spend, points = (await session.execute(bought)).one()
    profit = (
        await session.execute(
            select(func.sum(line_profit())).join(p, p.c.id == ln.c.purchase_id).where(*window)
        )
    ).scalar_one()
    return Group(int(count), int(buyers), int(n), money(spend), money(profit), money(points))


@dataclass(frozen=True)
class Spending:
    awarded: int
    award_points: Decimal
    purchase_bonus: Decimal
    extra_rebate: Decimal


async def spending(session: AsyncSession, campaign_id: str) -> Spending:
    """Members awarded and their points; bonus points of purchases (net of reversals) and extra rebates."""
    awards = select(func.count(cm.c.entry_id), func.sum(raw(cm.c.awarded_points))).where(
        cm.c.campaign_id == campaign_id
    )
    awarded, award_points = (await session.execute(awards)).one()
    extras = select(
        func.sum(raw(cpp.c.bonus_points) - raw(cpp.c.reversed_bonus)), func.sum(raw(cpp.c.extra_rebate))
    ).where(cpp.c.campaign_id == campaign_id)
    bonus, rebate = (await session.execute(extras)).one()
    return Spending(int(awarded or 0), money(award_points), money(bonus), money(rebate))
