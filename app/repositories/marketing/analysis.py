"""Member analysis: the settings and state rows, per-member figures, and population order statistics.

Only aggregation happens in SQL; the rules themselves are `app.domain.marketing`, applied by
the service to the figures read here, so the bulk pass and the incremental updates cannot
disagree on a rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    case,
    func,
    select,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.tickets import TicketStatus
from app.domain.marketing.analysis import MarketingSettings
from app.models.base import Cents
from app.models.crm.tickets import TicketKind
from app.models.loyalty.customers import Status
from app.models.marketing.settings import AnalysisState, MarketingSettingsRow
from app.repositories import tables
from app.repositories.dialect import insert_ignore

c, p, tk = tables.customer, tables.purchase, tables.ticket
ROW_ID = 1
ANALYSED = (
    "lifecycle_stage",
    "segment_value",
    "segment_trend",
    "segment_problem",
    "rfm_r",
    "rfm_f",
    "rfm_m",
)


async def get_settings(session: AsyncSession) -> MarketingSettingsRow | None:
    t = tables.marketing_settings
    row = (await session.execute(select(t).where(t.c.id == ROW_ID))).first()
    return MarketingSettingsRow.model_validate(row._mapping) if row else None


async def _put(session: AsyncSession, table: Any, values: dict[str, Any]) -> None:
    """Insert the single row or replace its values."""
    await session.execute(insert_ignore(session, table), {"id": ROW_ID, **values})
    await session.execute(table.update().where(table.c.id == ROW_ID).values(**values))


async def put_settings(session: AsyncSession, values: dict[str, Any]) -> None:
    await _put(session, tables.marketing_settings, values)


async def get_state(session: AsyncSession) -> AnalysisState | None:
    t = tables.analysis_state
    row = (await session.execute(select(t).where(t.c.id == ROW_ID))).first()
    return AnalysisState.model_validate(row._mapping) if row else None


async def put_state(session: AsyncSession, values: dict[str, Any]) -> None:
    await _put(session, tables.analysis_state, values)


def _active() -> ColumnElement[bool]:
    """Active members: live, status active, at least one purchase with its date (members loaded
    from another system may carry a count without a date: they are not scored, as in `_scored`)."""
    return (
        (c.c.deleted_at.is_(None))
        & (c.c.status == Status.active.value)
        & (c.c.purchase_count > 0)
        & c.c.last_purchase_at.is_not(None)
    )


def _spend() -> ColumnElement[Any]:
    return p.c.payable - p.c.refunded_amount


def _money(expr: ColumnElement[Any]) -> ColumnElement[Decimal]:
    return type_coerce(func.coalesce(expr, 0), Cents)


async def _values_at(session: AsyncSession, population: Select[Any], positions: Sequence[int]) -> list[Any]:
    """The values of `population` (one column `v`) at 0-based positions in ascending order."""
    if not positions:
        return []
    sub = population.subquery()
    ranked = select(sub.c.v, (func.row_number().over(order_by=sub.c.v) - 1).label("pos")).subquery()
    query = select(ranked.c.v, ranked.c.pos).where(ranked.c.pos.in_(sorted(set(positions))))
    found = {int(r.pos): r.v for r in await session.execute(query)}
    return [found[pos] for pos in positions]


async def active_members(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(c).where(_active()))).scalar_one())


async def value_cutoff(session: AsyncSession, position: int | None) -> Decimal | None:
    """Lifetime profit points of the active member at `position` from the highest."""
    if position is None:
        return None
    query = (
        select(c.c.lifetime_profit_points)
        .where(_active())
        .order_by(c.c.lifetime_profit_points.desc())
        .offset(position)
        .limit(1)
    )
    found: Decimal | None = (await session.execute(query)).scalar()
    return found


def _rfm_population(since: datetime) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """Recency, frequency and monetary of every active member, each as a one-column `v`."""
    agg = (
        select(
            p.c.customer_id,
            func.count().label("f"),
            func.sum(_spend()).label("m"),
        )
        .where(p.c.occurred_at >= since)
        .group_by(p.c.customer_id)
        .subquery()
    )
    joined = c.outerjoin(agg, agg.c.customer_id == c.c.id)
    recency = select(c.c.last_purchase_at.label("v")).where(_active())
    frequency = select(func.coalesce(agg.c.f, 0).label("v")).select_from(joined).where(_active())
    monetary = select(_money(agg.c.m).label("v")).select_from(joined).where(_active())
    return recency, frequency, monetary


async def rfm_cuts(
    session: AsyncSession, since: datetime, positions: Sequence[int]
) -> tuple[list[datetime], list[int], list[Decimal]]:
    """The cut values of recency, frequency and monetary at the quintile positions."""
    recency, frequency, monetary = _rfm_population(since)
    r = await _values_at(session, recency, positions)
    f = [int(v) for v in await _values_at(session, frequency, positions)]
    m = await _values_at(session, monetary, positions)
    return r, f, m


@dataclass(frozen=True)
class Figures:
    """One member's stored columns and the sums the rules read, as of `now`."""

    id: str
    status: str
    purchase_count: int
    last_purchase_at: datetime | None
    lifetime_profit_points: Decimal
    updated_at: datetime
    stored: dict[str, Any]
    spend_last: Decimal = Decimal(0)
    spend_previous: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    frequency: int = 0
    monetary: Decimal = Decimal(0)
    open_complaints: int = 0

    @property
    def active(self) -> bool:
        return self.status == Status.active.value and self.purchase_count > 0


async def batch_ids(session: AsyncSession, after_id: str | None, limit: int) -> list[str]:
    """Live members' ids in id order, after `after_id`."""
    query = select(c.c.id).where(c.c.deleted_at.is_(None)).order_by(c.c.id).limit(limit)
    if after_id is not None:
        query = query.where(c.c.id > after_id)
    return [str(i) for i in (await session.execute(query)).scalars()]


async def figures(
    session: AsyncSession, ids: Sequence[str], now: datetime, s: MarketingSettings
) -> list[Figures]:
    """The members' figures: purchases and open complaints summed in three grouped reads."""
    if not ids:
        return []
    trend_from = now - timedelta(days=s.trend_window_days)
    previous_from = trend_from - timedelta(days=s.trend_window_days)
    problem_from = now - timedelta(days=s.problem_window_days)
    rfm_from = now - timedelta(days=s.rfm_window_days)
    earliest = min(previous_from, problem_from, rfm_from)
    wanted: BindParameter[str] = bindparam("ids", list(ids), expanding=True)

    def within(since: datetime, expr: ColumnElement[Any] | int, until: datetime | None = None) -> Any:
        cond = p.c.occurred_at >= since
        if until is not None:
            cond = cond & (p.c.occurred_at < until)
        return func.sum(case((cond, expr), else_=0))

    sums = (
        select(
            p.c.customer_id,
            _money(within(trend_from, _spend())).label("spend_last"),
            _money(within(previous_from, _spend(), trend_from)).label("spend_previous"),
            _money(within(problem_from, p.c.payable)).label("paid"),
            _money(within(problem_from, p.c.refunded_amount)).label("refunded"),
            func.coalesce(within(rfm_from, 1), 0).label("frequency"),
            _money(within(rfm_from, _spend())).label("monetary"),
        )
        .where(p.c.customer_id.in_(wanted), p.c.occurred_at >= earliest)
        .group_by(p.c.customer_id)
    )
    complaints = (
        select(tk.c.customer_id, func.count().label("n"))
        .where(
            tk.c.customer_id.in_(wanted),
            tk.c.kind == TicketKind.complaint.value,
            tk.c.status != TicketStatus.closed.value,
        )
        .group_by(tk.c.customer_id)
    )
    members = select(
        c.c.id, c.c.status, c.c.purchase_count, c.c.last_purchase_at, c.c.lifetime_profit_points,
        c.c.updated_at, *(c.c[name] for name in ANALYSED),
    ).where(c.c.id.in_(wanted))  # fmt: skip
    by_id = {str(r.customer_id): r._mapping for r in await session.execute(sums)}
    open_by_id = {str(r.customer_id): int(r.n) for r in await session.execute(complaints)}
    found = []
    for m in await session.execute(members):
        extra: dict[str, Any] = dict(by_id.get(m.id, {}))
        extra.pop("customer_id", None)
        if "frequency" in extra:
            extra["frequency"] = int(extra["frequency"])
        found.append(
            Figures(
                id=m.id,
                status=m.status,
                purchase_count=m.purchase_count,
                last_purchase_at=m.last_purchase_at,
                lifetime_profit_points=m.lifetime_profit_points,
                updated_at=m.updated_at,
                stored={name: m._mapping[name] for name in ANALYSED},
                open_complaints=open_by_id.get(m.id, 0),
                **extra,
            )
        )
    return found


_set = update(c).where(c.c.id == bindparam("_id"))
_set_unless_changed = _set.where(c.c.updated_at == bindparam("_seen", type_=c.c.updated_at.type))


async def write(session: AsyncSession, changes: Sequence[dict[str, Any]]) -> None:
    """Each member's new analysis columns (`_id` names it), in one executemany; a member whose
    `updated_at` moved since it was read (`_seen`) is left alone: a purchase, refund or ticket
    updated it since, and the next pass will see that."""
    if changes:
        await session.execute(_set_unless_changed, list(changes))


async def set_member(session: AsyncSession, customer_id: str, values: dict[str, Any]) -> None:
    await session.execute(_set, {**values, "_id": customer_id})


async def live_members(session: AsyncSession) -> int:
    query = select(func.count()).select_from(c).where(c.c.deleted_at.is_(None))
    return int((await session.execute(query)).scalar_one())
