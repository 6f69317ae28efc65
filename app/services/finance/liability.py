"""The points liability, always current: striped running totals written with every movement.

`on_movement` runs inside the ledger movement's transaction (the member's row is locked):
one upsert adds the change to the member's stripe and reads the liability and the band last
acted on. Only when the liability is in a higher band does it try to move the state row up
with a conditional write; the one transaction that wins raises the alert (and, at critical,
queues a forced settlement for the worker), so a crossing raises exactly one alert however
many purchases cross together. A movement never moves the state down: concurrent purchases
each see the stripes without the others' uncommitted changes, so around a threshold one
would re-arm what another just raised, and the next would raise it again. Falling back (the
re-arm) is left to the worker's periodic `check_liability` and to a settings change, which
read the committed totals; they also raise a crossing lost with a crash.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.finance.liability import Band, Thresholds, band, crossed_upward, delta, money, stripe_of
from app.domain.loyalty.points_settings import PointsSettings
from app.models.finance.alerts import AlertKind, CauseType, Severity
from app.models.finance.liability import FinanceSettingsIn, FinanceSettingsPublic, LiabilityPublic
from app.models.finance.settlements import Trigger
from app.repositories.finance import liability as repo
from app.repositories.finance.liability import Observed
from app.repositories.loyalty import catalogue as catalogue_repo
from app.services import audit
from app.services.audit import Actor
from app.services.conditional import check_if_match
from app.services.finance.alerts import AlertCause, raise_alert
from app.services.finance.settlements import enqueue_settlement
from app.services.loyalty.rules import load_rules

DEFAULT_SETTLE_MIN_BALANCE = Decimal("0.00")


def figures(points: Decimal, point_value: Decimal, t: Thresholds) -> dict[str, str]:
    """The liability figures an alert keeps, as decimal strings."""
    return {
        "liability": f"{money(points, point_value):.2f}",
        "positive_points": f"{points:.2f}",
        "point_value": format(point_value.normalize(), "f"),
        "warning": f"{t.warning:.2f}",
        "critical": f"{t.critical:.2f}",
        "target": f"{t.target:.2f}",
    }


async def _act_on(
    session: AsyncSession,
    observed: Band,
    points: Decimal,
    point_value: Decimal,
    t: Thresholds,
    cause: AlertCause,
    now: datetime,
    *,
    downward: bool,
) -> None:
    """Move the state to the liability's band (up only, unless `downward`); the winner raises
    what was crossed upward."""
    new = band(money(points, point_value), t)
    if new == observed or (not downward and not crossed_upward(observed, new)):
        return
    if not await repo.transition(session, observed, new, now):
        return
    numbers = figures(points, point_value, t)
    for crossed in crossed_upward(observed, new):
        severity = Severity.critical if crossed is Band.critical else Severity.warning
        kind = AlertKind.liability_critical if crossed is Band.critical else AlertKind.liability_warning
        extra: dict[str, str] = {}
        if crossed is Band.critical:
            extra["settlement_id"] = await enqueue_settlement(
                session, Trigger.critical, None, "liability crossed critical", None, cause.id, now
            )
        message = f"points liability {numbers['liability']} reached the {crossed.value} threshold"
        await raise_alert(session, kind, severity, cause, numbers | extra, now=now, message=message)


def acts_on(seen: Observed, tier_changed: bool) -> bool:
    """Whether `on_movement`, having read `seen`, would act: a band crossed upward, or a tier
    change with tier alerts on (the raw posting path leaves those purchases to it)."""
    new = band(money(seen.positive_points, seen.point_value), seen.thresholds)
    return bool(crossed_upward(seen.state, new)) or (seen.tier_change_alerts and tier_changed)


async def on_movement(
    session: AsyncSession,
    customer_id: str,
    balance_before: Decimal,
    balance_after: Decimal,
    tier_before: str,
    tier_after: str,
    transaction_id: str | None,
    now: datetime,
) -> None:
    """Keep the totals with a member's balance change; act on a crossing or a tier change."""
    change = delta(balance_before, balance_after)
    if change.is_zero:
        return
    seen = await repo.record(session, stripe_of(customer_id), change)
    cause = (
        AlertCause(CauseType.transaction, transaction_id, customer_id)
        if transaction_id
        else AlertCause(CauseType.customer, customer_id, customer_id)
    )
    await _act_on(
        session,
        seen.state,
        seen.positive_points,
        seen.point_value,
        seen.thresholds,
        cause,
        now,
        downward=False,
    )
    if seen.tier_change_alerts and tier_before != tier_after:
        await raise_alert(
            session,
            AlertKind.tier_changed,
            Severity.info,
            cause,
            {"tier_before": tier_before, "tier_after": tier_after, "balance": f"{balance_after:.2f}"},
            now=now,
            message=f"member {customer_id} moved from {tier_before} to {tier_after}",
        )


async def check_liability(
    session: AsyncSession, now: datetime, settings: PointsSettings | None = None
) -> Band:
    """Put the state in the liability's band, raising any crossing missed: the worker's periodic
    check, and every settings change (with the `settings` about to be committed)."""
    s = settings or (await load_rules(session)).settings
    t = Thresholds(s.liability_warning, s.liability_critical, s.liability_target)
    totals = await repo.totals(session)
    await _act_on(
        session,
        await repo.state(session),
        totals.positive_points,
        s.point_value,
        t,
        AlertCause(CauseType.check),
        now,
        downward=True,
    )
    return await repo.state(session)


async def get_liability(session: AsyncSession) -> LiabilityPublic:
    rules = await load_rules(session)
    s = rules.settings
    t = Thresholds(s.liability_warning, s.liability_critical, s.liability_target)
    totals = await repo.totals(session)
    value = money(totals.positive_points, s.point_value)
    return LiabilityPublic(
        liability=value,
        positive_points=totals.positive_points,
        total_points=totals.total_points,
        members_with_balance=totals.positive_members,
        point_value=s.point_value,
        warning=t.warning,
        critical=t.critical,
        target=t.target,
        state=band(value, t),
    )


async def get_finance_settings(session: AsyncSession) -> FinanceSettingsPublic:
    row = await repo.get_settings(session)
    if row is None:
        return FinanceSettingsPublic(
            settle_min_balance=DEFAULT_SETTLE_MIN_BALANCE, tier_change_alerts=False, updated_at=None
        )
    return FinanceSettingsPublic.model_validate(row, from_attributes=True)


async def replace_finance_settings(
    session: AsyncSession,
    body: FinanceSettingsIn,
    if_match: str | None,
    now: datetime,
    actor: Actor | None = None,
) -> FinanceSettingsPublic:
    """Replace both settings over the version the caller read (`If-Match`, required): the
    rules are held exclusively, so two editors cannot both win and no purchase is in flight."""
    await catalogue_repo.hold_rules(session, exclusive=True)
    current = await get_finance_settings(session)
    check_if_match(current, if_match, required=True)
    await repo.put_settings(session, {**body.model_dump(), "updated_at": now})
    before = current.model_dump(exclude={"updated_at"})
    await audit.record(
        session, actor, "finance_settings", "finance", "update", before, body.model_dump(), now
    )
    return FinanceSettingsPublic(**body.model_dump(), updated_at=now)
