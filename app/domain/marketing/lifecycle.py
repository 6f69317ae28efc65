"""Lifecycle stage of a member (product.md G), from its purchase count and recency.

- exploration (考察期): fewer than `formation_from` purchases (by default: none yet);
- formation (形成期): from `formation_from` purchases, the last within `decline_after_days`;
- stability (稳定期): from `stability_from` purchases, the last within `decline_after_days`;
- decline (退化期): had purchases, none within `decline_after_days`.

The defaults (1, 4, 365) are the core's rule; `StageRule` carries the marketing settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

DECLINE_AFTER_DAYS = 365
STABLE_FROM_PURCHASES = 4


class LifecycleStage(StrEnum):
    exploration = "exploration"
    formation = "formation"
    stability = "stability"
    decline = "decline"


@dataclass(frozen=True)
class StageRule:
    formation_from: int = 1
    stability_from: int = STABLE_FROM_PURCHASES
    decline_after_days: int = DECLINE_AFTER_DAYS


DEFAULT_RULE = StageRule()


def lifecycle_stage(
    purchase_count: int, last_purchase_at: datetime | None, now: datetime, rule: StageRule = DEFAULT_RULE
) -> LifecycleStage:
    """The stage at `now` (the caller supplies the clock); a decline is strictly past the window."""
    if purchase_count <= 0 or last_purchase_at is None:
        return LifecycleStage.exploration
    if now - last_purchase_at > timedelta(days=rule.decline_after_days):
        return LifecycleStage.decline
    if purchase_count >= rule.stability_from:
        return LifecycleStage.stability
    if purchase_count >= rule.formation_from:
        return LifecycleStage.formation
    return LifecycleStage.exploration
