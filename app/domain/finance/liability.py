"""The points liability: its money value, its band against the thresholds, and the stripes.

Points are decimals with 2 places; money is round2(point value × points).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.domain.errors import FieldProblem
from app.domain.money import ZERO, round2

#: Counter rows the running totals are spread over, so members of different stripes never
#: wait on one row. Changing it needs a rebuild of the stripes (`crm verify` shows the drift).
STRIPES = 256  # 32 posts in flight share a stripe ~11 % of the time (64: ~39 %, bench/RESULTS.md)


class Band(StrEnum):
    normal = "normal"
    warning = "warning"
    critical = "critical"


BAND_ORDER = (Band.normal, Band.warning, Band.critical)


@dataclass(frozen=True)
class Thresholds:
    """Money amounts: warning and critical raise alerts; a settlement brings it to target."""

    warning: Decimal
    critical: Decimal
    target: Decimal


@dataclass(frozen=True)
class Delta:
    """What one balance change does to the running totals (points; members with a positive balance)."""

    positive_points: Decimal
    total_points: Decimal
    positive_members: int

    @property
    def is_zero(self) -> bool:
        return self.total_points == ZERO and self.positive_points == ZERO and self.positive_members == 0


def stripe_of(customer_id: str) -> int:
    """The stripe a member's totals go to: a stable hash of its id (the same in every process)."""
    return zlib.crc32(customer_id.encode()) % STRIPES


def delta(before: Decimal, after: Decimal) -> Delta:
    """Liability counts only positive balances; the total counts all of them."""
    return Delta(
        positive_points=max(after, ZERO) - max(before, ZERO),
        total_points=after - before,
        positive_members=int(after > 0) - int(before > 0),
    )


def money(points: Decimal, point_value: Decimal) -> Decimal:
    """The money value of `points` at the point value, rounded half-up to the cent."""
    return round2(points * point_value)


def band(liability: Decimal, t: Thresholds) -> Band:
    if liability >= t.critical:
        return Band.critical
    if liability >= t.warning:
        return Band.warning
    return Band.normal


def crossed_upward(before: Band, after: Band) -> list[Band]:
    """The bands entered on the way up (both on a jump from normal to critical), lowest first."""
    return [
        b for b in BAND_ORDER if BAND_ORDER.index(before) < BAND_ORDER.index(b) <= BAND_ORDER.index(after)
    ]


def threshold_problems(t: Thresholds) -> list[FieldProblem]:
    """Target ≤ warning < critical, all above 0: a settlement must end at or below the warning."""
    problems: list[FieldProblem] = []
    if t.target <= 0:
        problems.append(FieldProblem("liability_target", "must be greater than 0"))
    elif t.target > t.warning:
        problems.append(FieldProblem("liability_target", "must be at most liability_warning"))
    if t.critical <= t.warning:
        problems.append(FieldProblem("liability_critical", "must be greater than liability_warning"))
    return problems
