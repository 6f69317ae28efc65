"""The striped liability totals, the threshold state row and the finance settings.

`record` is the one statement a ledger movement adds: it bumps its stripe with
`x = x + delta` (an upsert, so rows appear on first use) and, in the same round trip,
reads back the liability (this stripe as just written plus the others as committed), the
band last acted on, the thresholds and the alert switch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.finance.liability import Band, Delta, Thresholds
from app.models import FinanceSettingsRow
from app.models.base import UTCDateTime
from app.repositories import tables
from app.repositories.dialect import insert_ignore

#: The stripe upsert and its read-back, with placeholders for each driver's parameter style.
RECORD_TEMPLATE = """
    INSERT INTO liability_stripe (stripe, positive_points, total_points, positive_members)
    VALUES ({stripe}, {positive_points}, {total_points}, {positive_members})
    ON CONFLICT (stripe) DO UPDATE SET
        positive_points = liability_stripe.positive_points + excluded.positive_points,
        total_points = liability_stripe.total_points + excluded.total_points,
        positive_members = liability_stripe.positive_members + excluded.positive_members
    RETURNING
        positive_points + (SELECT COALESCE(SUM(o.positive_points), 0) FROM liability_stripe o
                           WHERE o.stripe <> {stripe}),
        (SELECT state FROM liability_state WHERE id = 1),
        (SELECT point_value FROM points_settings WHERE id = 1),
        (SELECT liability_warning FROM points_settings WHERE id = 1),
        (SELECT liability_critical FROM points_settings WHERE id = 1),
        (SELECT liability_target FROM points_settings WHERE id = 1),
        (SELECT tier_change_alerts FROM finance_settings WHERE id = 1)
"""
_RECORD = text(
    RECORD_TEMPLATE.format(
        stripe=":stripe",
        positive_points=":positive_points",
        total_points=":total_points",
        positive_members=":positive_members",
    )
)

_TRANSITION = text(
    """
    INSERT INTO liability_state (id, state, changed_at) VALUES (1, :state, :now)
    ON CONFLICT (id) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at
    WHERE liability_state.state = :observed
    RETURNING id
    """
).bindparams(bindparam("now", type_=UTCDateTime))


def _cents(value: Any) -> Decimal:
    return Decimal(int(value or 0)).scaleb(-2)


@dataclass(frozen=True)
class Observed:
    """What a movement sees right after writing its stripe."""

    positive_points: Decimal
    state: Band
    point_value: Decimal
    thresholds: Thresholds
    tier_change_alerts: bool


async def record(session: AsyncSession, stripe: int, delta: Delta) -> Observed:
    """Add `delta` to `stripe` and read back the liability, the state and the thresholds."""
    positive_points, total_points, positive_members = delta_params(delta)
    params = {
        "stripe": stripe,
        "positive_points": positive_points,
        "total_points": total_points,
        "positive_members": positive_members,
    }
    return observed((await session.execute(_RECORD, params)).one())


def delta_params(delta: Delta) -> tuple[int, int, int]:
    """A delta as the stripe's columns hold it (hundredths; members)."""
    return int(delta.positive_points.scaleb(2)), int(delta.total_points.scaleb(2)), delta.positive_members


def observed(row: Sequence[Any]) -> Observed:
    """What `RECORD_TEMPLATE` returns, as values."""
    return Observed(
        positive_points=_cents(row[0]),
        state=Band(row[1] or Band.normal),
        point_value=Decimal(int(row[2])).scaleb(-4),
        thresholds=Thresholds(_cents(row[3]), _cents(row[4]), _cents(row[5])),
        tier_change_alerts=bool(row[6]),
    )


async def transition(session: AsyncSession, observed: Band, new: Band, now: datetime) -> bool:
    """Move the state from `observed` to `new`; False when another transaction moved it first."""
    params = {"state": new.value, "observed": observed.value, "now": now}
    return (await session.execute(_TRANSITION, params)).first() is not None


async def state(session: AsyncSession) -> Band:
    t = tables.liability_state
    found = (await session.execute(select(t.c.state).where(t.c.id == 1))).scalar()
    return Band(found or Band.normal)


@dataclass(frozen=True)
class Totals:
    positive_points: Decimal
    total_points: Decimal
    positive_members: int


async def totals(session: AsyncSession) -> Totals:
    """The sum of the stripes: the liability without a scan of members."""
    t = tables.liability_stripe
    query = select(
        func.coalesce(func.sum(t.c.positive_points), 0),
        func.coalesce(func.sum(t.c.total_points), 0),
        func.coalesce(func.sum(t.c.positive_members), 0),
    )
    row = (await session.execute(query)).one()
    return Totals(Decimal(row[0]), Decimal(row[1]), int(row[2]))  # sums keep the Cents type


async def stripes(session: AsyncSession) -> dict[int, Totals]:
    t = tables.liability_stripe
    rows = await session.execute(select(t))
    return {r.stripe: Totals(r.positive_points, r.total_points, r.positive_members) for r in rows}


async def get_settings(session: AsyncSession) -> FinanceSettingsRow | None:
    t = tables.finance_settings
    row = (await session.execute(select(t).where(t.c.id == 1))).first()
    return FinanceSettingsRow.model_validate(row._mapping) if row else None


async def put_settings(session: AsyncSession, values: dict[str, Any]) -> None:
    """Insert the single row or replace its values."""
    t = tables.finance_settings
    row = {"id": 1, **values}
    await session.execute(insert_ignore(session, t), row)
    await session.execute(t.update().where(t.c.id == 1).values(**values))
