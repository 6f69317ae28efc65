"""Profit-and-loss warning (issue 6 §5): net margin below the floor, per period and group.

`evaluate_pnl` returns the findings of one period (the whole business, each store, each
service type); `run_time_rules` evaluates the last complete day and month and hands each
finding to `raise_alert`. Findings carry a stable `dedupe_key` (rule, period, scope, group),
so running again for the same period raises nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.finance.pnl import MarginFinding, below_floor, next_period, period_start
from app.models.finance.alerts import AlertKind, CauseType, Severity
from app.services.finance import alerts
from app.services.finance.reports import at_midnight, tally
from app.services.loyalty.rules import load_rules

SCOPES = {"business": "total", "store": "store", "service_type": "service_type"}


@dataclass(frozen=True)
class Period:
    kind: str  # "day" or "month"
    start: date

    @property
    def label(self) -> str:
        text = self.start.isoformat() if self.kind == "day" else self.start.strftime("%Y-%m")
        return f"{self.kind}:{text}"


def last_complete_periods(now: datetime) -> list[Period]:
    """The day and the month that ended most recently before `now` (UTC)."""
    today = now.date()
    previous_month = period_start("month", today.replace(day=1) - timedelta(days=1))
    return [Period("day", today - timedelta(days=1)), Period("month", previous_month)]


async def evaluate_pnl(session: AsyncSession, period: Period, now: datetime) -> list[MarginFinding]:
    """Groups of `period` whose net margin is below `pnl_margin_floor` (nothing before its end)."""
    end = at_midnight(next_period(period.kind, period.start))
    if end > now:
        return []
    settings = (await load_rules(session)).settings
    sums = await tally(session, at_midnight(period.start), end, {g: [] for g in SCOPES.values()})
    findings: list[MarginFinding] = []
    for scope, group_by in SCOPES.items():
        rows = [r for r in sums.rows[group_by].values() if group_by == "total" or r.key is not None]
        findings += below_floor(scope, rows, period.label, settings.pnl_margin_floor, settings.point_value)
    return findings


async def raise_alert(session: AsyncSession, finding: MarginFinding, now: datetime) -> bool:
    """Raise `pnl.margin_low` for `finding` once per period and group (its `dedupe_key`);
    whether a new alert was recorded."""
    figures = {k: f"{v:.2f}" for k, v in finding.figures.items()}
    figures |= {"net_margin": str(finding.net_margin), "floor": str(finding.floor)}
    group = "the whole business" if finding.scope == "business" else f"{finding.scope} {finding.key}"
    message = f"net margin {finding.net_margin} below {finding.floor} for {group} in {finding.period}"
    alert_id = await alerts.raise_alert(
        session,
        AlertKind.pnl_margin_low,
        Severity.warning,
        alerts.AlertCause(CauseType.period, finding.period),
        figures | {"scope": finding.scope, "key": finding.key, "period": finding.period},
        finding.dedupe_key,
        now=now,
        message=message,
    )
    return alert_id is not None


async def run_time_rules(session: AsyncSession, now: datetime) -> list[tuple[MarginFinding, bool]]:
    """Time-based rules for the worker and `crm alerts run`: each finding and whether it raised."""
    outcome = []
    for period in last_complete_periods(now):
        for finding in await evaluate_pnl(session, period, now):
            outcome.append((finding, await raise_alert(session, finding, now)))
    return outcome
