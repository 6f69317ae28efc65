"""Profit and loss (issue 6 §5): facts, their sums per group, and the margin rule.

A report is built from *facts*: one per purchase line posted, per refunded line and per
ledger entry, each with the moment and the tier, store and service type it belongs to.
Grouping is summing facts by a key, so every grouping of the same range adds up to the
same totals. Money and points are Decimals with 2 places; derived money figures are
rounded half-up per row (points.md `round2`); the net margin to 4 places.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from app.domain.money import ZERO, round2, round4

#: Summed per group, in the order reports show them.
SUMMED = (
    "sales",
    "refunds",
    "revenue",
    "cost",
    "list_profit",
    "rebates",
    "points_earned",
    "points_bonus",
    "points_reversed",
    "points_redeemed",
    "points_settled",
    "points_expired",
    "points_adjusted",
)
#: Money derived per row from the sums, at the point value.
DERIVED = ("accrued_liability", "redemptions_paid", "settlements_paid", "net_profit")


@dataclass(frozen=True)
class Fact:
    at: datetime
    tier: str | None
    store: str | None
    service_type: str | None
    figures: dict[str, Decimal]


@dataclass
class Row:
    key: str | None
    sums: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(SUMMED, ZERO))
    liability_end: Decimal | None = None

    def add(self, figures: dict[str, Decimal]) -> None:
        for name, value in figures.items():
            self.sums[name] += value

    def derived(self, point_value: Decimal) -> dict[str, Decimal]:
        """Accrued liability = points issued (earned + bonus − reversed) at the point value."""
        s = self.sums
        issued = s["points_earned"] + s["points_bonus"] - s["points_reversed"]
        accrued = round2(issued * point_value)
        return {
            "accrued_liability": accrued,
            "redemptions_paid": round2(s["points_redeemed"] * point_value),
            "settlements_paid": round2(s["points_settled"] * point_value),
            "net_profit": s["revenue"] - s["cost"] - accrued,
        }

    def net_margin(self, point_value: Decimal) -> Decimal | None:
        """(revenue − cost − accrued liability) / revenue, to 4 places; None without revenue."""
        revenue = self.sums["revenue"]
        if revenue <= 0:
            return None
        return round4(self.derived(point_value)["net_profit"] / revenue)


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` over `weights` in proportion, to the cent, the last part taking the rest."""
    whole = sum(weights, ZERO)
    if not weights:
        return []
    if whole == 0:
        return [ZERO] * (len(weights) - 1) + [total]
    parts = [round2(total * w / whole) for w in weights[:-1]]
    return [*parts, total - sum(parts, ZERO)]


def blended_weights(x: Decimal, lines: Iterable[tuple[Decimal, Decimal]]) -> list[Decimal]:
    """Each line's share of a purchase's points: X × p + Y × u (exact), for `allocate`."""
    return [x * p + (1 - x) * u for p, u in lines]


def line_cost_refunded(amount: Decimal, list_profit: Decimal, paid: Decimal, refunded: Decimal) -> Decimal:
    """The cost of a refunded part of a line: round2(cost × refunded / paid)."""
    return round2((amount - list_profit) * refunded / paid) if paid else ZERO


GROUPINGS = ("day", "month", "tier", "service_type", "store")


def period_start(kind: str, moment: date) -> date:
    return moment.replace(day=1) if kind == "month" else moment


def next_period(kind: str, start: date) -> date:
    if kind == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date.fromordinal(start.toordinal() + 1)


def periods(kind: str, first: date, last: date) -> list[date]:
    """Starts of the day or month periods covering [first, last]."""
    found, start = [], period_start(kind, first)
    while start <= last:
        found.append(start)
        start = next_period(kind, start)
    return found


def key_function(group_by: str) -> Callable[[Fact], str | None]:
    """How a fact is keyed in a grouping (time keys are UTC dates or months)."""
    if group_by == "day":
        return lambda f: f.at.date().isoformat()
    if group_by == "month":
        return lambda f: f.at.strftime("%Y-%m")
    if group_by == "tier":
        return lambda f: f.tier
    if group_by == "store":
        return lambda f: f.store
    if group_by == "service_type":
        return lambda f: f.service_type
    return lambda f: None  # "total": one row


class Tally:
    """Sums of facts for several groupings at once, fed page by page."""

    def __init__(self, groupings: dict[str, Sequence[str | None]]) -> None:
        """`groupings`: each grouping with the keys shown even when empty (every day of a range)."""
        self.rows: dict[str, dict[str | None, Row]] = {
            g: {k: Row(k) for k in keys} for g, keys in groupings.items()
        }
        self._keys = {g: key_function(g) for g in groupings}

    def add(self, facts: Iterable[Fact]) -> None:
        for fact in facts:
            for grouping, rows in self.rows.items():
                key = self._keys[grouping](fact)
                row = rows.get(key)
                if row is None:
                    row = rows[key] = Row(key)
                row.add(fact.figures)


@dataclass(frozen=True)
class MarginFinding:
    """A group whose net margin is below the floor in a period (alert `pnl.margin_low`)."""

    scope: str  # business, store or service_type
    key: str | None
    period: str  # "day:2026-11-25" or "month:2026-11"
    net_margin: Decimal
    floor: Decimal
    figures: dict[str, Decimal]

    @property
    def dedupe_key(self) -> str:
        """Stable across runs: one alert per rule, period and group."""
        return f"pnl.margin_low:{self.period}:{self.scope}:{self.key or '-'}"


def below_floor(
    scope: str, rows: Iterable[Row], period: str, floor: Decimal, point_value: Decimal
) -> list[MarginFinding]:
    """The rows with revenue whose net margin is below `floor`."""
    found = []
    for row in rows:
        margin = row.net_margin(point_value)
        if margin is not None and margin < floor:
            figures = {**row.sums, **row.derived(point_value)}
            found.append(MarginFinding(scope, row.key, period, margin, floor, figures))
    return found
