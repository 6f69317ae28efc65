"""The threshold method (点数阈值法): a member holds the highest tier whose threshold ≤ Zn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.domain.errors import FieldProblem, InvalidInput
from app.domain.money import ONE, ZERO


@dataclass(frozen=True)
class TierRule:
    code: str
    threshold: Decimal
    rebate_rate: Decimal


def grade(tiers: Sequence[TierRule], lifetime_points: Decimal) -> TierRule:
    """The tier for lifetime blended points; `tiers` is ordered by threshold, lowest at 0."""
    held = tiers[0]
    for tier in tiers:
        if tier.threshold <= lifetime_points:
            held = tier
        else:
            break
    return held


def next_tier(tiers: Sequence[TierRule], lifetime_points: Decimal) -> tuple[TierRule, Decimal] | None:
    """The next tier up and the points still needed for it, or None at the top."""
    for tier in tiers:
        if tier.threshold > lifetime_points:
            return tier, tier.threshold - lifetime_points
    return None


def validate_tier_table(tiers: Sequence[TierRule]) -> None:
    """Codes unique, thresholds strictly increasing from 0, rates in [0, 1)."""
    problems: list[FieldProblem] = []
    if not tiers:
        problems.append(FieldProblem("tiers", "at least one tier is required"))
    seen: set[str] = set()
    for i, tier in enumerate(tiers):
        if tier.code in seen:
            problems.append(FieldProblem(f"tiers[{i}].code", f"duplicate tier code {tier.code!r}"))
        seen.add(tier.code)
        if not ZERO <= tier.rebate_rate < ONE:
            problems.append(FieldProblem(f"tiers[{i}].rebate_rate", "must be in [0, 1)"))
        if i == 0 and tier.threshold != 0:
            problems.append(FieldProblem("tiers[0].threshold", "the lowest tier's threshold must be 0"))
        if i > 0 and tier.threshold <= tiers[i - 1].threshold:
            problems.append(FieldProblem(f"tiers[{i}].threshold", "thresholds must be strictly increasing"))
    if problems:
        raise InvalidInput("the tier table is invalid", errors=problems)
