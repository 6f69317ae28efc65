"""A campaign's target as one SQL selection of member ids, and the behaviour analysis over it.

Everything is set-based: the filters become one `SELECT id FROM customer WHERE …` (spend in
a window and services bought as correlated subqueries), and the preview aggregates over that
selection in a handful of GROUP BY statements, whatever its size. Money is summed in stored
hundredths and converted once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, and_, extract, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.consents import ConsentChannel
from app.repositories import tables
from app.repositories.crm import consents, seen
from app.repositories.crm.seen import Reach

c, p, ln = tables.customer, tables.purchase, tables.purchase_line


def raw(column: Any) -> Any:
    """A Cents column as its stored integer hundredths (exact arithmetic in SQL)."""
    return type_coerce(column, BigInteger)


def cents(value: Decimal) -> int:
    return int(value * 100)


def money(hundredths: Any) -> Decimal:
    return Decimal(int(hundredths or 0)).scaleb(-2)


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def net_spend() -> Any:
    """What a purchase was paid, net of refunds, in hundredths."""
    return raw(p.c.payable) - raw(p.c.refunded_amount)


def _spend_in_window(target: dict[str, Any]) -> Any:
    where = [p.c.customer_id == c.c.id]
    if target.get("spend_since"):
        where.append(p.c.occurred_at >= _start(date.fromisoformat(target["spend_since"])))
    if target.get("spend_until"):
        where.append(p.c.occurred_at < _start(date.fromisoformat(target["spend_until"]) + timedelta(days=1)))
    return func.coalesce(select(func.sum(net_spend())).where(*where).scalar_subquery(), 0)


_SEGMENTS = {
    "value": c.c.segment_value.is_(True),
    "rising": c.c.segment_trend == "rising",
    "falling": c.c.segment_trend == "falling",
    "problem": c.c.segment_problem.is_(True),
}


def _conditions(target: dict[str, Any]) -> list[ColumnElement[bool]]:
    """The filters of a stored target (JSON values, as `CampaignTarget` dumps them)."""
    where: list[ColumnElement[bool]] = []
    for field, column in (("tiers", c.c.tier), ("phases", c.c.phase), ("stages", c.c.lifecycle_stage)):
        if target.get(field):
            where.append(column.in_(target[field]))
    where += [_SEGMENTS[s] for s in target.get("segments") or []]
    for field, column in (("rfm_r_min", c.c.rfm_r), ("rfm_f_min", c.c.rfm_f), ("rfm_m_min", c.c.rfm_m)):
        if target.get(field) is not None:
            where.append(column >= target[field])
    for field, column in (("lifetime_points", c.c.lifetime_points), ("balance", c.c.balance)):
        if target.get(f"{field}_min") is not None:
            where.append(raw(column) >= cents(Decimal(target[f"{field}_min"])))
        if target.get(f"{field}_max") is not None:
            where.append(raw(column) <= cents(Decimal(target[f"{field}_max"])))
    if target.get("last_purchase_after"):
        where.append(c.c.last_purchase_at >= _start(date.fromisoformat(target["last_purchase_after"])))
    if target.get("last_purchase_before"):
        where.append(c.c.last_purchase_at < _start(date.fromisoformat(target["last_purchase_before"])))
    windowed = any(target.get(f) for f in ("spend_since", "spend_until"))
    bounded = any(target.get(f) is not None for f in ("spend_min", "spend_max"))
    if windowed or bounded:
        spend = _spend_in_window(target)
        if target.get("spend_min") is not None:
            where.append(spend >= cents(Decimal(target["spend_min"])))
        if target.get("spend_max") is not None:
            where.append(spend <= cents(Decimal(target["spend_max"])))
        if not bounded:  # a window alone: members who bought in it
            where.append(spend > 0)
    if target.get("service_types"):
        bought = (
            select(ln.c.purchase_id)
            .join(p, p.c.id == ln.c.purchase_id)
            .where(p.c.customer_id == c.c.id, ln.c.service_type.in_(target["service_types"]))
            .exists()
        )
        where.append(bought)
    if target.get("birthday_month") is not None:
        where.append(extract("month", c.c.birthday) == target["birthday_month"])
    if target.get("store_id"):
        where.append(c.c.store_id == target["store_id"])
    if target.get("sales_rep"):
        where.append(c.c.sales_rep == target["sales_rep"])
    return where


def selection(target: dict[str, Any], reach: Reach, channel: str | None = None) -> Select[tuple[str]]:
    """Ids of the live members the target selects, within what `reach` sees; with a `channel`,
    only those whose consent in force on it is a grant."""
    query = select(c.c.id).where(c.c.deleted_at.is_(None), *_conditions(target))
    if reach != seen.EVERYONE:
        query = query.where(c.c.id.in_(seen.member_ids(reach)))
    if channel is not None:
        query = query.where(c.c.id.in_(consents.consenting(ConsentChannel(channel))))
    return query


async def selected_ids(
    session: AsyncSession, target: dict[str, Any], reach: Reach, channel: str | None = None
) -> list[str]:
    query = selection(target, reach, channel).order_by(c.c.id)
    return [str(r[0]) for r in await session.execute(query)]


@dataclass(frozen=True)
class Mix:
    key: str
    members: int = 0
    lines: int = 0
    amount: Decimal = Decimal(0)
    profit: Decimal = Decimal(0)


@dataclass(frozen=True)
class Behaviour:
    members: int
    purchases: int
    spend: Decimal
    profit: Decimal
    lifetime_points: Decimal
    balance: Decimal
    service_mix: list[Mix]
    tier_mix: list[Mix]
    stage_mix: list[Mix]


def line_profit() -> Any:
    """A line's realised profit net of refunds (hundredths): its profit points less those reversed."""
    return raw(ln.c.profit_points) - raw(ln.c.reversed_profit_points)


async def behaviour(session: AsyncSession, ids: Select[tuple[str]], store_id: str | None = None) -> Behaviour:
    """Size, spend, profit, points and the service, tier and stage mixes of a selection; for a
    store-bound caller only that store's purchases count (another store's are not its to see)."""
    chosen = ids.subquery()
    at_store = [p.c.store_id == store_id] if store_id is not None else []
    members = select(func.count(), func.sum(raw(c.c.lifetime_points)), func.sum(raw(c.c.balance))).where(
        c.c.id.in_(select(chosen.c.id))
    )
    count, lifetime, balance = (await session.execute(members)).one()
    bought = select(func.count(), func.sum(net_spend())).where(
        p.c.customer_id.in_(select(chosen.c.id)), *at_store
    )
    purchases, spend = (await session.execute(bought)).one()
    by_service = (
        select(ln.c.service_type, func.count(func.distinct(p.c.customer_id)), func.count(),
               func.sum(raw(ln.c.paid) - raw(ln.c.refunded_amount)), func.sum(line_profit()))
        .join(p, p.c.id == ln.c.purchase_id)
        .where(p.c.customer_id.in_(select(chosen.c.id)), *at_store)
        .group_by(ln.c.service_type)
        .order_by(ln.c.service_type)
    )  # fmt: skip
    services = [Mix(str(k), members=int(m), lines=int(n), amount=money(a), profit=money(pr))
                for k, m, n, a, pr in await session.execute(by_service)]  # fmt: skip
    profit = sum((m.profit for m in services), Decimal(0))
    mixes = []
    for column in (c.c.tier, c.c.lifecycle_stage):
        query = (
            select(column, func.count())
            .where(c.c.id.in_(select(chosen.c.id)))
            .group_by(column)
            .order_by(column)
        )
        mixes.append([Mix(str(k), members=int(n)) for k, n in await session.execute(query)])
    return Behaviour(
        members=int(count),
        purchases=int(purchases),
        spend=money(spend),
        profit=profit,
        lifetime_points=money(lifetime),
        balance=money(balance),
        service_mix=services,
        tier_mix=mixes[0],
        stage_mix=mixes[1],
    )


def in_window(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(p.c.occurred_at >= start, p.c.occurred_at <= end)
