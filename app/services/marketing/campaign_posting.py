"""What running campaigns add when a purchase posts: the multiplier's bonus and the extra rebate.

Posting asks once per purchase (`purchase_incentives`). Running campaigns change rarely, so
each process caches them against the catalogue version the purchase already read with its
rules: a campaign starting or stopping bumps that version (`services.marketing.campaigns`),
so with no campaign running posting does no campaign query at all; with one running whose
window and store fit, one indexed query asks whether it targets the member (held-out
members are not targeted). The bonus entries are written after the purchase's own entries,
each charging its campaign's budget with one conditional write (a bonus the budget no longer
covers is not given); refunds take the bonus back in the proportion of the points they reverse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.finance.expiry import expiry_date
from app.domain.loyalty.settlement import LineInput, Settlement
from app.domain.marketing.campaign_incentives import (
    CampaignExtra,
    Incentive,
    bonus_reversal,
    campaign_extras,
    with_extra_rebates,
)
from app.domain.marketing.campaign_rules import award_cost
from app.models.loyalty.ledger import EntryKind
from app.models.marketing.campaigns import Campaign
from app.repositories.marketing import campaigns as repo
from app.services.loyalty.ledger import Applied, Movement, apply_movement
from app.services.loyalty.rules import Rules

_cache: dict[str, tuple[int, tuple[Campaign, ...]]] = {}


async def _running(session: AsyncSession, version: int) -> tuple[Campaign, ...]:
    key = str(session.get_bind().engine.url)
    cached = _cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    found = tuple(await repo.running(session))
    if cached is None or version >= cached[0]:
        _cache[key] = (version, found)
    return found


def _fitting(campaigns: Sequence[Campaign], store_id: str, occurred_at: datetime) -> list[Campaign]:
    return [
        c
        for c in campaigns
        if c.starts_at is not None
        and c.ends_at is not None
        and c.starts_at <= occurred_at <= c.ends_at
        and c.store_id in (None, store_id)
    ]


def may_apply(database: str, version: int, store_id: str, occurred_at: datetime) -> bool | None:
    """Whether a running campaign could apply to a purchase (None: this worker does not hold
    the campaigns at `version`); for the hot path, which leaves such purchases to the route."""
    cached = _cache.get(database)
    if cached is None or cached[0] != version:
        return None
    return bool(_fitting(cached[1], store_id, occurred_at))


async def purchase_incentives(
    session: AsyncSession, version: int, customer_id: str, store_id: str, occurred_at: datetime
) -> list[Incentive]:
    """The terms of the running campaigns that target the member for a purchase at that store and time."""
    fitting = _fitting(await _running(session, version), store_id, occurred_at)
    if not fitting:
        return []
    targeted = await repo.targeting(session, customer_id, [c.id for c in fitting])
    return [
        Incentive(
            c.id, c.multiplier, c.extra_rebate_rate, frozenset(c.service_types), c.bonus_counts_toward_tier
        )
        for c in sorted(fitting, key=lambda c: c.id)
        if c.id in targeted
    ]


def settle_with_campaigns(
    settle: Callable[[Sequence[LineInput]], Settlement],
    lines: Sequence[LineInput],
    service_types: Sequence[str],
    incentives: Sequence[Incentive],
) -> tuple[Settlement, list[CampaignExtra]]:
    """The settlement to post (with extra rebates) and each campaign's bonus and extra rebate."""
    if not incentives:
        return settle(lines), []
    boosted = settle(with_extra_rebates(lines, service_types, incentives))
    return boosted, campaign_extras(settle(lines), boosted, service_types, incentives)


async def award_purchase_bonuses(
    session: AsyncSession,
    extras: Sequence[CampaignExtra],
    last: Applied,
    rules: Rules,
    purchase_id: str,
    store_id: str,
    receipt_ref: str,
    api_key_id: str,
    now: datetime,
) -> tuple[Applied, list[CampaignExtra]]:
    """One `bonus` entry per campaign after the purchase's own entries (in campaign id order,
    the order every writer charges campaigns in); the record of what each campaign added.
    Returns the last movement and what was given (a bonus the budget no longer covers is 0)."""
    given = []
    for extra in extras:
        campaign = await repo.get(session, extra.campaign_id)
        points = extra.bonus_points
        if points and not await repo.charge(
            session, extra.campaign_id, award_cost(points, rules.settings.point_value)
        ):
            points = Decimal(0)  # the budget is spent: no bonus (the extra rebate was given)
        entry_id = None
        if points:
            move = Movement(
                EntryKind.bonus,
                points,
                campaign.bonus_counts_toward_tier,
                transaction_id=purchase_id,
                reason=f"campaign {campaign.name}: ×{campaign.multiplier}",
                api_key_id=api_key_id,
                store_id=store_id,
                receipt_ref=receipt_ref,
                expires_at=expiry_date(now, rules.settings.points_expiry_months),
                campaign_id=extra.campaign_id,
            )
            last = await apply_movement(session, last.member, move, rules.ladder, now)
            entry_id = last.entry_id
        await repo.add_purchase(
            session,
            {
                "campaign_id": extra.campaign_id,
                "purchase_id": purchase_id,
                "customer_id": last.member.id,
                "bonus_points": points,
                "bonus_entry_id": entry_id,
                "counts_toward_tier": campaign.bonus_counts_toward_tier,
                "extra_rebate": extra.extra_rebate,
                "reversed_bonus": Decimal(0),
                "created_at": now,
            },
        )
        given.append(replace(extra, bonus_points=points))
    return last, given


async def campaigns_of(session: AsyncSession, purchase_ids: Sequence[str]) -> dict[str, list[CampaignExtra]]:
    """What campaigns added to each purchase (bonus net of refunds), for purchase reads."""
    found: dict[str, list[CampaignExtra]] = {pid: [] for pid in purchase_ids}
    for r in await repo.purchases_of_many(session, purchase_ids):
        extra = CampaignExtra(
            r.campaign_id, r.bonus_points - r.reversed_bonus, r.extra_rebate, r.counts_toward_tier
        )
        found[r.purchase_id].append(extra)
    return found


async def reverse_purchase_bonuses(
    session: AsyncSession,
    last: Applied,
    rules: Rules,
    *,
    purchase_id: str,
    purchase_points: Decimal,
    reversed_points: Decimal,
    completes: bool,
    refund_id: str,
    api_key_id: str,
    now: datetime,
) -> Applied:
    """Take back each campaign bonus of the purchase in the refund's proportion (points.md)."""
    for record in await repo.purchases_of(session, purchase_id):
        back = bonus_reversal(
            record.bonus_points, record.reversed_bonus, purchase_points, reversed_points, last=completes
        )
        if back <= 0:
            continue
        move = Movement(
            EntryKind.reverse,
            -back,
            record.counts_toward_tier,
            transaction_id=purchase_id,
            refund_id=refund_id,
            reverses_id=record.bonus_entry_id,
            reason="refund: campaign bonus taken back",
            api_key_id=api_key_id,
            campaign_id=record.campaign_id,
        )
        last = await apply_movement(session, last.member, move, rules.ladder, now)
        await repo.reverse_bonus(session, record.campaign_id, purchase_id, record.reversed_bonus + back)
    return last
