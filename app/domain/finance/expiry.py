"""Expiry rules (points.md "Expiry"): lot dates, oldest-first consumption, refunds after expiry.

Pure functions on decimals with 2 places; no clock (the caller passes `now`).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

ZERO = Decimal("0.00")


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months; the day is clamped to the month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def expiry_date(earned_at: datetime, months: int | None) -> datetime | None:
    """When a lot earned at `earned_at` expires; None when expiry is off."""
    return add_months(earned_at, months) if months else None


@dataclass(frozen=True)
class OpenLot:
    id: str
    remaining: Decimal
    expires_at: datetime | None


def consumption_order(lots: Sequence[OpenLot], now: datetime, first: str | None = None) -> list[OpenLot]:
    """The order lots are consumed in: `first` (a refund's own lot), then unexpired oldest first,
    then lots past their date that the expiry run has not reached yet (they still back the balance)."""
    chosen = [lot for lot in lots if lot.id == first]
    rest = [lot for lot in lots if lot.id != first]
    live = [lot for lot in rest if lot.expires_at is None or lot.expires_at > now]
    due = [lot for lot in rest if not (lot.expires_at is None or lot.expires_at > now)]
    return chosen + live + due


def take(lots: Sequence[OpenLot], points: Decimal) -> list[tuple[str, Decimal]]:
    """How much of `points` each lot gives, in the order given, stopping when covered."""
    plan: list[tuple[str, Decimal]] = []
    left = points
    for lot in lots:
        if left <= 0:
            break
        part = min(lot.remaining, left)
        if part > 0:
            plan.append((lot.id, part))
            left -= part
    return plan


def new_lot_remaining(points: Decimal, balance_after: Decimal) -> Decimal:
    """What a positive movement adds to the lots: all of it, less any deficit it fills."""
    return min(points, max(ZERO, balance_after))


def refund_split(reversed_points: Decimal, expired: Decimal, absorbed: Decimal) -> tuple[Decimal, Decimal]:
    """(taken from the balance, newly absorbed expiry) for a refund reversing `reversed_points`
    of a purchase whose lot has `expired` points, `absorbed` of them already set against refunds."""
    spare = max(ZERO, expired - absorbed)
    absorb = min(reversed_points, spare)
    return reversed_points - absorb, absorb
