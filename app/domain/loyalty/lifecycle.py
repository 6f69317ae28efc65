"""Lifecycle stage of a member (product.md G), from its purchase count and recency.

- exploration (考察期): no purchase yet;
- formation (形成期): 1 to 3 purchases, the last within DECLINE_AFTER_DAYS;
- stability (稳定期): 4 or more purchases, the last within DECLINE_AFTER_DAYS;
- decline (退化期): had purchases, none within DECLINE_AFTER_DAYS.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

DECLINE_AFTER_DAYS = 365
STABLE_FROM_PURCHASES = 4


class LifecycleStage(StrEnum):
    exploration = "exploration"
    formation = "formation"
    stability = "stability"
    decline = "decline"


def lifecycle_stage(purchase_count: int, last_purchase_at: datetime | None, now: datetime) -> LifecycleStage:
    """The stage at `now` (the caller supplies the clock)."""
    if purchase_count <= 0 or last_purchase_at is None:
        return LifecycleStage.exploration
    if now - last_purchase_at > timedelta(days=DECLINE_AFTER_DAYS):
        return LifecycleStage.decline
    if purchase_count >= STABLE_FROM_PURCHASES:
        return LifecycleStage.stability
    return LifecycleStage.formation
