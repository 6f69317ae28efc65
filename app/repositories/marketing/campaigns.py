"""Campaign rows, their frozen selection (`campaign_member`) and what they added to purchases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.marketing.campaigns import Campaign, CampaignPurchase
from app.repositories import tables
from app.repositories.marketing.campaign_selection import cents, money, raw

cp, cm, cpp = tables.campaign, tables.campaign_member, tables.campaign_purchase


async def update_campaign(session: AsyncSession, campaign_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(cp).where(cp.c.id == campaign_id).values(**values))


async def add_members(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Freeze the selection, in chunks (a statement's parameters are bounded)."""
    for start in range(0, len(rows), 500):
        await session.execute(insert(cm), list(rows[start : start + 500]))


@dataclass(frozen=True)
class Progress:
    targeted: int = 0
    holdout: int = 0
    awarded: int = 0
    left_out: int = 0
    points_awarded: Decimal = Decimal(0)


async def progress(session: AsyncSession, campaign_ids: Sequence[str]) -> dict[str, Progress]:
    """Counts of each campaign's selection: targeted, held out, awarded, left out, points."""
    if not campaign_ids:
        return {}
    query = (
        select(
            cm.c.campaign_id,
            func.count(),
            func.sum(case((cm.c.holdout.is_(True), 1), else_=0)),
            func.sum(case((cm.c.entry_id.is_not(None), 1), else_=0)),
            func.sum(case((cm.c.left_out.is_(True), 1), else_=0)),
            func.sum(raw(cm.c.awarded_points)),
        )
        .where(cm.c.campaign_id.in_(campaign_ids))
        .group_by(cm.c.campaign_id)
    )
    return {
        str(cid): Progress(int(n), int(h or 0), int(a or 0), int(lo or 0), money(pts))
        for cid, n, h, a, lo, pts in await session.execute(query)
    }


async def pending(session: AsyncSession, campaign_id: str, limit: int) -> list[str]:
    """The next members still to be awarded (targeted, not held out, not awarded, not left out)."""
    query = (
        select(cm.c.customer_id)
        .where(
            cm.c.campaign_id == campaign_id,
            cm.c.holdout.is_(False),
            cm.c.entry_id.is_(None),
            cm.c.left_out.is_(False),
        )
        .order_by(cm.c.customer_id)
        .limit(limit)
    )
    return [str(r[0]) for r in await session.execute(query)]


async def awarded_entry(session: AsyncSession, campaign_id: str, customer_id: str) -> str | None:
    query = select(cm.c.entry_id).where(cm.c.campaign_id == campaign_id, cm.c.customer_id == customer_id)
    found = (await session.execute(query)).scalar_one_or_none()
    return str(found) if found else None


async def mark_awarded(
    session: AsyncSession, campaign_id: str, customer_id: str, points: Decimal, entry_id: str, now: datetime
) -> bool:
    """Record the award; False if the member was awarded already (the caller rolls back)."""
    result = await session.execute(
        update(cm)
        .where(cm.c.campaign_id == campaign_id, cm.c.customer_id == customer_id, cm.c.entry_id.is_(None))
        .values(awarded_points=points, entry_id=entry_id, awarded_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def leave_out_rest(session: AsyncSession, campaign_id: str) -> None:
    """The budget is spent: every member not yet awarded is left out."""
    await session.execute(
        update(cm)
        .where(cm.c.campaign_id == campaign_id, cm.c.holdout.is_(False), cm.c.entry_id.is_(None))
        .values(left_out=True)
    )


async def charge(session: AsyncSession, campaign_id: str, cost: Decimal) -> bool:
    """Add `cost` to what the campaign spent if the budget still covers it (one conditional write)."""
    amount = cents(cost)
    fits = or_(cp.c.budget.is_(None), raw(cp.c.spent) + amount <= raw(cp.c.budget))
    result = await session.execute(
        update(cp).where(cp.c.id == campaign_id, fits).values(spent=raw(cp.c.spent) + amount)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def remaining_budget(session: AsyncSession, campaign_id: str) -> Decimal | None:
    row = (await session.execute(select(cp.c.budget, cp.c.spent).where(cp.c.id == campaign_id))).first()
    if row is None or row.budget is None:
        return None
    return Decimal(row.budget) - Decimal(row.spent)


async def running(session: AsyncSession) -> list[Campaign]:
    """Running campaigns with a multiplier or an extra rebate: what posting may have to apply."""
    query = select(cp).where(
        cp.c.status == "running", or_(cp.c.multiplier.is_not(None), cp.c.extra_rebate_rate.is_not(None))
    )
    return [Campaign.model_validate(r._mapping) for r in await session.execute(query)]


async def targeting(session: AsyncSession, customer_id: str, campaign_ids: Sequence[str]) -> set[str]:
    """Which of `campaign_ids` target the member (held-out members are not targeted)."""
    query = select(cm.c.campaign_id).where(
        cm.c.customer_id == customer_id, cm.c.campaign_id.in_(campaign_ids), cm.c.holdout.is_(False)
    )
    return {str(r[0]) for r in await session.execute(query)}


async def add_purchase(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(cpp).values(**values))


async def purchases_of(session: AsyncSession, purchase_id: str) -> list[CampaignPurchase]:
    query = select(cpp).where(cpp.c.purchase_id == purchase_id).order_by(cpp.c.campaign_id)
    return [CampaignPurchase.model_validate(r._mapping) for r in await session.execute(query)]


async def reverse_bonus(session: AsyncSession, campaign_id: str, purchase_id: str, total: Decimal) -> None:
    where = and_(cpp.c.campaign_id == campaign_id, cpp.c.purchase_id == purchase_id)
    await session.execute(update(cpp).where(where).values(reversed_bonus=total))


def visible(store_id: str | None) -> list[ColumnElement[bool]]:
    """A store-bound caller sees only its store's campaigns."""
    return [] if store_id is None else [cp.c.store_id == store_id]


async def update_member(
    session: AsyncSession, campaign_id: str, customer_id: str, values: dict[str, Any]
) -> None:
    where = and_(cm.c.campaign_id == campaign_id, cm.c.customer_id == customer_id)
    await session.execute(update(cm).where(where).values(**values))


async def get(session: AsyncSession, campaign_id: str) -> Campaign:
    row = (await session.execute(select(cp).where(cp.c.id == campaign_id))).one()
    return Campaign.model_validate(row._mapping)


async def purchases_of_many(session: AsyncSession, purchase_ids: Sequence[str]) -> list[CampaignPurchase]:
    if not purchase_ids:
        return []
    query = select(cpp).where(cpp.c.purchase_id.in_(purchase_ids)).order_by(cpp.c.campaign_id)
    return [CampaignPurchase.model_validate(r._mapping) for r in await session.execute(query)]
