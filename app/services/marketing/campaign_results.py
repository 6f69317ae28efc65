"""Did the campaign pay for itself: targeted members against the holdout over the campaign window.

The window is the campaign's own (`starts_at`–`ends_at`) or, without one, from its execution
to its close (or now). Figures are net of refunds. Realised profit already carries every
rebate, the campaign's extra rebate included, so the campaign's gain is the targeted members'
extra profit per member over the holdout's, times the targeted members, less the bonus points
at the point value: `net_gain = incremental_profit − cost.bonus_value`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.marketing.campaign_errors import CampaignState
from app.domain.marketing.campaign_rules import CLOSED, CampaignStatus
from app.domain.money import ZERO, round2, round4
from app.models.marketing.campaigns import CampaignCost, GroupResults, ResultsPublic
from app.repositories.marketing import campaign_results as repo
from app.services.integration.api_keys import Principal
from app.services.loyalty.rules import load_rules
from app.services.marketing.campaigns import require


def _per(total: Decimal, n: int) -> Decimal:
    return round2(total / n) if n else ZERO


def _group(g: repo.Group) -> GroupResults:
    return GroupResults(
        members=g.members,
        buyers=g.buyers,
        purchase_rate=round4(Decimal(g.buyers) / g.members) if g.members else ZERO,
        purchases=g.purchases,
        spend=g.spend,
        profit=g.profit,
        points=g.points,
        spend_per_member=_per(g.spend, g.members),
        profit_per_member=_per(g.profit, g.members),
        points_per_member=_per(g.points, g.members),
    )


async def campaign_results(
    session: AsyncSession, principal: Principal, campaign_id: str, now: datetime
) -> ResultsPublic:
    """Uptake, spend, profit and points of targeted and holdout members, the cost, and the verdict."""
    campaign = await require(session, principal, campaign_id)
    if campaign.executed_at is None:
        raise CampaignState("the campaign has not been executed yet: it has no targeted members")
    start = campaign.starts_at or campaign.executed_at
    closed = CampaignStatus(campaign.status) in CLOSED
    end = campaign.ends_at or (campaign.updated_at if closed else now)
    targeted = await repo.group(session, campaign_id, False, start, end, campaign.store_id)
    holdout = await repo.group(session, campaign_id, True, start, end, campaign.store_id)
    spent = await repo.spending(session, campaign_id)
    point_value = (await load_rules(session)).settings.point_value
    bonus_points = spent.award_points + spent.purchase_bonus
    bonus_value = round2(bonus_points * point_value)
    incremental = None
    if holdout.members and targeted.members:
        lift = targeted.profit / targeted.members - holdout.profit / holdout.members
        incremental = round2(lift * targeted.members)
    net = incremental - bonus_value if incremental is not None else None
    return ResultsPublic(
        campaign_id=campaign_id,
        status=CampaignStatus(campaign.status),
        window_start=start,
        window_end=end,
        point_value=point_value,
        awarded=spent.awarded,
        uptake=round4(Decimal(targeted.buyers) / targeted.members) if targeted.members else ZERO,
        targeted=_group(targeted),
        holdout=_group(holdout),
        cost=CampaignCost(
            bonus_points=bonus_points,
            bonus_value=bonus_value,
            extra_rebate=spent.extra_rebate,
            total=bonus_value + spent.extra_rebate,
        ),
        incremental_profit=incremental,
        net_gain=net,
        paid_for_itself=None if net is None else net >= 0,
    )
