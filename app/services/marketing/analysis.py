"""Member analysis: lifecycle stage, value segments and RFM scores kept on the member's row.

Incremental, in the writing transaction:
- a purchase (`on_purchase`): the stage and the value segment, from the member's own row and
  the cached settings and value cut: no query once cached, the columns ride along with the
  member's UPDATE that posting writes anyway;
- a refund, a merge or its undo (`on_history_changed`): stage, value, trend and problem,
  from the member's own purchases in the windows (one grouped read over that member's
  purchases: these are rare);
- a complaint ticket opened, closed or reopened (`on_ticket`): the problem segment.
Everything else needs the whole population or the passing of time: the value cut, the RFM
quintiles, the trend's windows moving without a purchase, and time-based decline. The bulk
pass (`analyse`: `crm analyse`, the worker daily) recomputes every live member in batches,
writing only what changed, and is idempotent. A value customer entering decline raises one
`customer.at_risk` alert per decline (keyed by the last purchase before it).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.marketing.analysis import (
    MarketingSettings,
    is_problem,
    is_value,
    quintile,
    quintile_positions,
    trend,
    value_cut_position,
)
from app.domain.marketing.lifecycle import LifecycleStage, lifecycle_stage
from app.models.finance.alerts import AlertKind, CauseType, Severity
from app.models.loyalty.customers import CustomerRecord, Status
from app.models.marketing.settings import AnalysisRun
from app.repositories.loyalty import catalogue as catalogue_repo
from app.repositories.marketing import analysis as repo
from app.repositories.marketing.analysis import Figures
from app.services.finance.alerts import AlertCause, raise_alert
from app.services.marketing.settings import to_domain

T = TypeVar("T")
Runner = Callable[[Callable[[AsyncSession], Awaitable[T]]], Awaitable[T]]
BATCH = 500
DUE_AFTER = timedelta(hours=20)  # the worker's daily pass: not again within this


@dataclass(frozen=True)
class Analysis:
    """The settings and value cut in force at a catalogue version."""

    version: int
    settings: MarketingSettings
    value_cutoff: Decimal | None


_cache: dict[str, Analysis] = {}


async def current(session: AsyncSession, version: int | None = None) -> Analysis:
    """The settings and value cut at catalogue `version` (read it when not given); cached per
    database until the version moves (every change of either bumps it)."""
    if version is None:
        version = await catalogue_repo.catalogue_version(session)
    key = str(session.get_bind().engine.url)
    cached = _cache.get(key)
    if cached is not None and cached.version == version:
        return cached
    state = await repo.get_state(session)
    cutoff = state.value_cutoff if state else None
    found = Analysis(version, to_domain(await repo.get_settings(session)), cutoff)
    _cache[key] = found
    return found


def _at_risk(stage: Any, value: Any) -> bool:
    return bool(value) and stage == LifecycleStage.decline


async def _raise_at_risk(
    session: AsyncSession, customer_id: str, last_purchase_at: datetime | None, profit: Decimal, now: datetime
) -> bool:
    """One `customer.at_risk` per decline: keyed by the member and its last purchase."""
    since = last_purchase_at.isoformat() if last_purchase_at else "never"
    raised = await raise_alert(
        session,
        AlertKind.customer_at_risk,
        Severity.warning,
        AlertCause(CauseType.customer, customer_id, customer_id),
        {"lifetime_profit_points": f"{profit:.2f}", "last_purchase_at": since},
        f"customer.at_risk:{customer_id}:{since}",
        now=now,
        message=f"value customer {customer_id} entered decline: no purchase since {since}",
    )
    return raised is not None


def cached(database: str, version: int) -> Analysis | None:
    """The analysis this worker holds for `database` (`str(engine.url)`), if it is at `version`."""
    found = _cache.get(database)
    return found if found is not None and found.version == version else None


def after_purchase(
    member: CustomerRecord, a: Analysis, changes: Mapping[str, Any], profit_points: Decimal, now: datetime
) -> tuple[dict[str, Any], bool]:
    """The stage and value segment after a purchase, and whether the member just became at risk."""
    count = changes.get("purchase_count", member.purchase_count)
    last = changes.get("last_purchase_at", member.last_purchase_at)
    stage = lifecycle_stage(count, last, now, a.settings.stage_rule)
    profit = member.lifetime_profit_points + profit_points
    value = is_value(profit, a.value_cutoff, member.status == Status.active and count > 0)
    at_risk = _at_risk(stage, value) and not _at_risk(member.lifecycle_stage, member.segment_value)
    return {"lifecycle_stage": stage.value, "segment_value": value}, at_risk


async def on_purchase(
    session: AsyncSession,
    member: CustomerRecord,
    version: int,
    changes: Mapping[str, Any],
    profit_points: Decimal,
    now: datetime,
) -> dict[str, Any]:
    """The stage and value segment after a purchase, to write with the member's `changes`."""
    found, at_risk = after_purchase(member, await current(session, version), changes, profit_points, now)
    if at_risk:  # a purchase dated long ago
        last = changes.get("last_purchase_at", member.last_purchase_at)
        await _raise_at_risk(session, member.id, last, member.lifetime_profit_points + profit_points, now)
    return found


def _analysed(f: Figures, a: Analysis, now: datetime) -> dict[str, Any]:
    """Stage and segments from the member's figures (RFM is the bulk pass's)."""
    s = a.settings
    moving = trend(f.spend_last, f.spend_previous, s.trend_change)
    return {
        "lifecycle_stage": lifecycle_stage(f.purchase_count, f.last_purchase_at, now, s.stage_rule).value,
        "segment_value": is_value(f.lifetime_profit_points, a.value_cutoff, f.active),
        "segment_trend": moving.value if moving else None,
        "segment_problem": is_problem(f.paid, f.refunded, f.open_complaints, s),
    }


async def _refresh(
    session: AsyncSession, customer_id: str, now: datetime, version: int | None, fields: tuple[str, ...]
) -> None:
    a = await current(session, version)
    found = await repo.figures(session, [customer_id], now, a.settings)
    if not found:
        return
    f = found[0]
    new = {k: v for k, v in _analysed(f, a, now).items() if k in fields}
    changed = {k: v for k, v in new.items() if f.stored[k] != v}
    if not changed:
        return
    await repo.set_member(session, customer_id, {**changed, "analysed_at": now, "updated_at": now})
    after = {**f.stored, **changed}
    if _at_risk(after["lifecycle_stage"], after["segment_value"]) and not _at_risk(
        f.stored["lifecycle_stage"], f.stored["segment_value"]
    ):
        await _raise_at_risk(session, customer_id, f.last_purchase_at, f.lifetime_profit_points, now)


async def on_history_changed(session: AsyncSession, customer_id: str, version: int, now: datetime) -> None:
    """Stage, value, trend and problem after the member's purchases changed: a refund, a merge
    or its undo (the member's row is locked and updated)."""
    fields = ("lifecycle_stage", "segment_value", "segment_trend", "segment_problem")
    await _refresh(session, customer_id, now, version, fields)


async def on_ticket(session: AsyncSession, customer_id: str, kind: str, now: datetime) -> None:
    """The problem segment after a complaint ticket opened, closed or reopened."""
    if kind == "complaint":
        await _refresh(session, customer_id, now, None, ("segment_problem",))


@dataclass(frozen=True)
class Plan:
    """The population-wide figures of one bulk pass, fixed at its start."""

    now: datetime
    analysis: Analysis
    active_members: int
    cuts: tuple[list[datetime], list[int], list[Decimal]]


async def plan(session: AsyncSession, now: datetime) -> Plan:
    """Find the value cut and the RFM quintile cuts over the active members, and publish the
    value cut for purchases and refunds (bumping the catalogue version when it moved)."""
    a = await current(session)
    s = a.settings
    n = await repo.active_members(session)
    cutoff = await repo.value_cutoff(session, value_cut_position(n, s.value_share))
    cuts = await repo.rfm_cuts(session, now - timedelta(days=s.rfm_window_days), quintile_positions(n))
    if cutoff != a.value_cutoff:
        await catalogue_repo.hold_rules(session, exclusive=True)
        await catalogue_repo.bump_catalogue_version(session)
    await repo.put_state(session, {"value_cutoff": cutoff, "active_members": n, "analysed_at": now})
    version = await catalogue_repo.catalogue_version(session)
    return Plan(now, Analysis(version, s, cutoff), n, cuts)


def _scored(f: Figures, p: Plan) -> dict[str, Any]:
    values = _analysed(f, p.analysis, p.now)
    r, fr, m = p.cuts
    active = f.active and f.last_purchase_at is not None
    values["rfm_r"] = quintile(f.last_purchase_at, r) if active and f.last_purchase_at else None
    values["rfm_f"] = quintile(f.frequency, fr) if active else None
    values["rfm_m"] = quintile(f.monetary, m) if active else None
    return values


@dataclass(frozen=True)
class Step:
    last_id: str | None
    visited: int
    changed: int
    alerts: int


async def analyse_batch(session: AsyncSession, p: Plan, after_id: str | None, size: int = BATCH) -> Step:
    """The next `size` live members after `after_id`: write what changed, raise what is due."""
    ids = await repo.batch_ids(session, after_id, size)
    changes, alerts = [], 0
    for f in await repo.figures(session, ids, p.now, p.analysis.settings):
        new = _scored(f, p)
        if new == f.stored:
            continue
        changes.append({**new, "analysed_at": p.now, "updated_at": p.now, "_id": f.id, "_seen": f.updated_at})
        if _at_risk(new["lifecycle_stage"], new["segment_value"]) and not _at_risk(
            f.stored["lifecycle_stage"], f.stored["segment_value"]
        ):
            alerts += await _raise_at_risk(session, f.id, f.last_purchase_at, f.lifetime_profit_points, p.now)
    await repo.write(session, changes)
    return Step(ids[-1] if ids else None, len(ids), len(changes), alerts)


async def analyse(
    run: Runner[Any], now: datetime, progress: Callable[[int, int], None] | None = None, size: int = BATCH
) -> AnalysisRun:
    """Recompute every live member, a batch per transaction; safe to stop and run again."""
    p: Plan = await run(lambda s: plan(s, now))
    total: int = await run(repo.live_members)
    visited = changed = alerts = 0
    after: str | None = None
    while True:
        step: Step = await run(functools.partial(analyse_batch, p=p, after_id=after, size=size))
        visited, changed, alerts = visited + step.visited, changed + step.changed, alerts + step.alerts
        if progress:
            progress(min(visited, total), max(total, visited))
        if step.last_id is None or step.visited < size:
            break
        after = step.last_id
    return AnalysisRun(
        members=visited,
        changed=changed,
        active_members=p.active_members,
        value_cutoff=p.analysis.value_cutoff,
        at_risk_alerts=alerts,
        analysed_at=now,
    )


async def due(session: AsyncSession, now: datetime) -> bool:
    """Whether the daily pass is due: never run, or last run `DUE_AFTER` ago or more."""
    state = await repo.get_state(session)
    return state is None or now - state.analysed_at >= DUE_AFTER
