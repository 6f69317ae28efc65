"""Member analysis rules (product.md G): value segments and RFM scores, with their settings.

Pure: the caller supplies the figures (sums of money as `Decimal`, counts, instants) and the
clock. Every rule is explained, with its settings and defaults, in docs/analysis.md.

- value customers: the top `value_share` of the active members by lifetime profit points
  (ties at the cut are all in), with more than 0;
- value change: spend (paid less refunded) of the last `trend_window_days` against the
  window before it: `rising` above (1 + `trend_change`) times it, `falling` below
  (1 − `trend_change`) times it; nothing without spend in the window before;
- problem customers: refunded / paid over `problem_window_days` above `problem_refund_rate`,
  or more open complaint tickets than `problem_open_complaints`;
- RFM: each of recency (last purchase), frequency (purchases in `rfm_window_days`) and
  monetary (spend in `rfm_window_days`) scored 1–5 by quintile over the active members:
  1 + ⌊5 × (members strictly below) / members⌋, so equal figures get equal scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, Self, TypeVar

from app.domain.errors import FieldProblem, InvalidInput
from app.domain.marketing.lifecycle import DECLINE_AFTER_DAYS, STABLE_FROM_PURCHASES, StageRule

ZERO = Decimal(0)
ONE = Decimal(1)


class Segment(StrEnum):
    value = "value"
    rising = "rising"
    falling = "falling"
    problem = "problem"


class Trend(StrEnum):
    rising = "rising"
    falling = "falling"


@dataclass(frozen=True)
class MarketingSettings:
    formation_from_purchases: int = 1
    stability_from_purchases: int = STABLE_FROM_PURCHASES
    decline_after_days: int = DECLINE_AFTER_DAYS
    value_share: Decimal = Decimal("0.2")
    trend_window_days: int = 90
    trend_change: Decimal = Decimal("0.3")
    problem_window_days: int = 365
    problem_refund_rate: Decimal = Decimal("0.3")
    problem_open_complaints: int = 0
    rfm_window_days: int = 365

    @property
    def stage_rule(self) -> StageRule:
        return StageRule(
            self.formation_from_purchases, self.stability_from_purchases, self.decline_after_days
        )


DEFAULTS = MarketingSettings()
_DAYS = ("decline_after_days", "trend_window_days", "problem_window_days", "rfm_window_days")
MAX_DAYS = 3650


def validate_settings(s: MarketingSettings) -> None:
    """Refuse settings no rule can use (absurd or inverted), naming each bad field."""
    problems: list[FieldProblem] = []
    for name in _DAYS:
        if not 1 <= getattr(s, name) <= MAX_DAYS:
            problems.append(FieldProblem(name, f"must be between 1 and {MAX_DAYS} days"))
    if not 1 <= s.formation_from_purchases <= 1000:
        problems.append(FieldProblem("formation_from_purchases", "must be between 1 and 1000"))
    if not s.formation_from_purchases < s.stability_from_purchases <= 10000:
        problems.append(
            FieldProblem(
                "stability_from_purchases",
                "must be more than formation_from_purchases (and at most 10000)",
            )
        )
    if 2 * s.trend_window_days > MAX_DAYS:
        problems.append(FieldProblem("trend_window_days", f"two windows must fit in {MAX_DAYS} days"))
    if not ZERO < s.value_share <= ONE:
        problems.append(FieldProblem("value_share", "must be greater than 0 and at most 1"))
    if not ZERO < s.trend_change < ONE:
        problems.append(FieldProblem("trend_change", "must be greater than 0 and less than 1"))
    if not ZERO <= s.problem_refund_rate < ONE:
        problems.append(FieldProblem("problem_refund_rate", "must be at least 0 and less than 1"))
    if not 0 <= s.problem_open_complaints <= 1000:
        problems.append(FieldProblem("problem_open_complaints", "must be between 0 and 1000"))
    if problems:
        raise InvalidInput("the marketing settings are invalid", errors=problems)


def value_cut_position(members: int, share: Decimal) -> int | None:
    """0-based position, in lifetime profit order from the highest, of the smallest value customer."""
    if members <= 0:
        return None
    return max(1, math.ceil(share * members)) - 1


def is_value(profit_points: Decimal, cutoff: Decimal | None, active: bool) -> bool:
    """A value customer: active, with profit points above 0 and at least the cut."""
    return active and cutoff is not None and profit_points > ZERO and profit_points >= cutoff


def trend(last: Decimal, previous: Decimal, change: Decimal) -> Trend | None:
    """Spend of the last window against the one before: rising, falling, or neither."""
    if previous <= ZERO:
        return None
    if last > previous * (ONE + change):
        return Trend.rising
    if last < previous * (ONE - change):
        return Trend.falling
    return None


def is_problem(paid: Decimal, refunded: Decimal, open_complaints: int, s: MarketingSettings) -> bool:
    """Refunded more than the share of paid in the window, or too many open complaints."""
    if open_complaints > s.problem_open_complaints:
        return True
    return paid > ZERO and refunded > paid * s.problem_refund_rate


class _Ordered(Protocol):
    def __lt__(self, other: Self, /) -> bool: ...


T = TypeVar("T", bound=_Ordered)


def quintile_positions(members: int) -> tuple[int, ...]:
    """0-based positions, in ascending order, of the values that cut the scores 2, 3, 4 and 5:
    a value strictly above the cut at position ⌈(s−1)·n/5⌉ − 1 has at least that many below."""
    if members <= 0:
        return ()
    return tuple(math.ceil(k * members / 5) - 1 for k in range(1, 5))


def quintile(value: T, cuts: Sequence[T]) -> int:
    """1–5: one more than the number of cuts strictly below `value`."""
    return 1 + sum(1 for cut in cuts if cut < value)


def quintile_scores(values: Sequence[T]) -> list[int]:
    """Each value's score: 1 + ⌊5 × (values strictly below it) / n⌋ (the reference rule)."""
    ordered = sorted(values)
    cuts = [ordered[p] for p in quintile_positions(len(ordered))]
    return [quintile(v, cuts) for v in values]


def segments(value: bool, moving: str | None, problem: bool) -> list[Segment]:
    """The member's segments as shown: value, then rising or falling, then problem."""
    found = [Segment.value] if value else []
    if moving is not None:
        found.append(Segment(moving))
    if problem:
        found.append(Segment.problem)
    return found
