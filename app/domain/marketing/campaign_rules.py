"""Campaign rules: the status workflow, the holdout draw and the budget's first award.

Workflow: draft → scheduled → running → finished, and cancelled from any open status;
scheduled may go back to draft for edits. Only `execute` starts a campaign (scheduled →
running), because it is what freezes the target list and the holdout.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from enum import StrEnum

from app.domain.crm.errors import IllegalTransition
from app.domain.errors import InvalidInput
from app.domain.marketing.campaign_errors import CampaignState
from app.domain.money import round2


class CampaignStatus(StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    running = "running"
    finished = "finished"
    cancelled = "cancelled"


S = CampaignStatus
#: Moves the status endpoint makes; `running` is reached by executing a scheduled campaign.
TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    S.draft: frozenset({S.scheduled, S.cancelled}),
    S.scheduled: frozenset({S.draft, S.cancelled}),
    S.running: frozenset({S.finished, S.cancelled}),
    S.finished: frozenset(),
    S.cancelled: frozenset(),
}
CLOSED = frozenset({S.finished, S.cancelled})


def check_transition(current: CampaignStatus, target: CampaignStatus) -> None:
    """Refuse a move the workflow does not allow (409 `illegal_transition`)."""
    if target == S.running and current == S.scheduled:
        raise IllegalTransition("a scheduled campaign starts by POST /v1/campaigns/{id}/execute")
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing (it is closed)"
        raise IllegalTransition(f"a campaign cannot go from {current} to {target}; from {current}: {allowed}")


def check_executable(current: CampaignStatus) -> None:
    """Only a scheduled campaign starts, and a running one resumes; anything else is 409."""
    if current in CLOSED:
        raise CampaignState(f"the campaign is {current}; it can no longer be executed")
    if current == S.draft:
        raise CampaignState(
            'the campaign is a draft; schedule it first (POST …/status {"status":"scheduled"})'
        )


def check_editable(current: CampaignStatus) -> None:
    if current != S.draft:
        raise CampaignState(f"the campaign is {current}; only a draft can be edited")


def in_holdout(customer_id: str, campaign_id: str, share: Decimal) -> bool:
    """Whether the member falls in the campaign's holdout: a stable draw from both ids.

    The first 8 bytes of SHA-256(`campaign_id:customer_id`) read as a fraction of 2**64 land
    below `share` for about that share of the members; the same pair always draws the same.
    """
    if share <= 0:
        return False
    digest = hashlib.sha256(f"{campaign_id}:{customer_id}".encode()).digest()
    return Decimal(int.from_bytes(digest[:8], "big")) < share * Decimal(2**64)


def award_cost(points: Decimal, point_value: Decimal) -> Decimal:
    """Money a bonus of `points` costs the budget: round2(points × point value)."""
    return round2(points * point_value)


def check_budget(budget: Decimal | None, bonus_points: Decimal | None, point_value: Decimal) -> None:
    """A budget must cover at least one award (422 naming `budget`)."""
    if budget is None:
        return
    if budget <= 0:
        raise InvalidInput.at("budget", "must be greater than 0")
    if bonus_points and award_cost(bonus_points, point_value) > budget:
        cost = award_cost(bonus_points, point_value)
        raise InvalidInput.at(
            "budget", f"{budget:.2f} cannot cover one award of {bonus_points:.2f} points ({cost:.2f})"
        )
