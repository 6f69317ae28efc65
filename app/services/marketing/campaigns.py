"""Campaigns: create, read, edit while a draft, move through the workflow, preview a selection.

Visibility: an unrestricted key sees every campaign; a store-bound key (a store's admin, a
manager) creates campaigns of its own store, whose selection is limited to the members that
store sees, and sees only its store's campaigns (any other is 404).

A change of a running campaign's status changes what posting applies, so it takes the rules
exclusively and bumps the catalogue version in its transaction (`services.loyalty.rules`):
the purchases in flight finish first and every worker's cache of running campaigns reloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import FieldProblem, InvalidInput, NotFound
from app.domain.marketing.campaign_rules import (
    CampaignStatus,
    award_cost,
    check_budget,
    check_editable,
    check_transition,
)
from app.domain.money import ONE, ZERO, round2
from app.models.base import new_id
from app.models.marketing.campaigns import (
    Campaign,
    CampaignCreate,
    CampaignPage,
    CampaignProgress,
    CampaignPublic,
    CampaignStatusChange,
    CampaignTarget,
    CampaignUpdate,
    MixRow,
    PreviewPublic,
)
from app.repositories import tables
from app.repositories.crm import rows
from app.repositories.crm.seen import Reach
from app.repositories.loyalty import catalogue as catalogue_repo
from app.repositories.marketing import campaign_selection as selection_repo
from app.repositories.marketing import campaigns as repo
from app.services import audit
from app.services.crm.pages import split
from app.services.integration.api_keys import Principal
from app.services.loyalty.rules import load_rules
from app.services.loyalty.stores import require_store
from app.services.pagination import decode_cursor, encode_cursor

MAX_MULTIPLIER = Decimal(10)
_RANGES = ("lifetime_points", "balance", "spend")


def check_target(target: CampaignTarget, prefix: str = "") -> dict[str, Any]:
    """Refuse inverted ranges (422 naming the filter); the target as stored (JSON values)."""
    problems = [
        FieldProblem(f"{prefix}{name}_min", f"is above {name}_max")
        for name in _RANGES
        if getattr(target, f"{name}_min") is not None
        and getattr(target, f"{name}_max") is not None
        and getattr(target, f"{name}_min") > getattr(target, f"{name}_max")
    ]
    for low, high in (("last_purchase_after", "last_purchase_before"), ("spend_since", "spend_until")):
        a, b = getattr(target, low), getattr(target, high)
        if a is not None and b is not None and a > b:
            problems.append(FieldProblem(f"{prefix}{low}", f"is after {high}"))
    if problems:
        raise InvalidInput("inverted ranges in the target", errors=problems)
    stored: dict[str, Any] = target.model_dump(mode="json", exclude_none=True)
    return stored


async def _check_terms(session: AsyncSession, values: dict[str, Any]) -> None:
    """The incentive as a whole: something to give, m > 1, 0 < e < 1, a window for m and e,
    known service types, and a budget that covers one award."""
    bonus, m, e = values.get("bonus_points"), values.get("multiplier"), values.get("extra_rebate_rate")
    if not bonus and m is None and e is None:
        raise InvalidInput.at("bonus_points", "give bonus_points, a multiplier or an extra_rebate_rate")
    if bonus is not None and bonus <= 0:
        raise InvalidInput.at("bonus_points", "must be greater than 0")
    if m is not None and not ONE < m <= MAX_MULTIPLIER:
        raise InvalidInput.at("multiplier", f"must be above 1 and at most {MAX_MULTIPLIER}")
    if e is not None and not ZERO < e < ONE:
        raise InvalidInput.at("extra_rebate_rate", "must be above 0 and below 1")
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if (m is not None or e is not None) and (starts is None or ends is None):
        raise InvalidInput.at("starts_at", "a multiplier or an extra rebate needs starts_at and ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise InvalidInput.at("ends_at", "must be after starts_at")
    known = {t.code for t in await catalogue_repo.list_service_types(session)}
    unknown = [
        FieldProblem(f"service_types[{i}]", f"unknown service type {code!r}")
        for i, code in enumerate(values.get("service_types") or [])
        if code not in known
    ]
    if unknown:
        raise InvalidInput("unknown service type", errors=unknown)
    rules = await load_rules(session)
    check_budget(values.get("budget"), bonus, rules.settings.point_value)


async def public(session: AsyncSession, campaign: Campaign) -> CampaignPublic:
    return (await publics(session, [campaign]))[0]


async def publics(session: AsyncSession, campaigns: Sequence[Campaign]) -> list[CampaignPublic]:
    counts = await repo.progress(session, [c.id for c in campaigns])
    out = []
    for c in campaigns:
        n = counts.get(c.id, repo.Progress())
        open_ = c.bonus_points and c.status == CampaignStatus.running  # a closed one awards no more
        pending = n.targeted - n.holdout - n.awarded - n.left_out if open_ else 0
        progress = CampaignProgress(
            targeted=n.targeted,
            holdout=n.holdout,
            awarded=n.awarded,
            left_out=n.left_out,
            pending=pending,
            points_awarded=n.points_awarded,
        )
        out.append(CampaignPublic.model_validate({**c.model_dump(), "progress": progress}))
    return out


def _audited(campaign: Campaign | dict[str, Any]) -> dict[str, Any]:
    data = campaign if isinstance(campaign, dict) else campaign.model_dump()
    return {k: v for k, v in data.items() if k not in ("updated_at", "created_at", "spent")}


async def require(
    session: AsyncSession, principal: Principal, campaign_id: str, *, for_update: bool = False
) -> Campaign:
    """A campaign the caller sees (its store's, for a store-bound key), or 404."""
    found = await rows.get(session, tables.campaign, Campaign, campaign_id, for_update=for_update)
    if found is None or not principal.sees_store(found.store_id):
        raise NotFound(f"no campaign {campaign_id}")
    return found


def _in_utc(values: dict[str, Any]) -> dict[str, Any]:
    """The window as it is stored and read back: in UTC, whatever offset it was sent with."""
    for field in ("starts_at", "ends_at"):
        if values.get(field) is not None:
            values[field] = values[field].astimezone(UTC)
    return values


async def create_campaign(
    session: AsyncSession, principal: Principal, body: CampaignCreate, now: datetime
) -> CampaignPublic:
    """A draft campaign; a store-bound key's campaign belongs to its store."""
    if body.store_id is not None:
        principal.check_store(body.store_id)
        await require_store(session, body.store_id)
    values = _in_utc(body.model_dump(exclude={"target"}))
    await _check_terms(session, values)
    values.update(
        id=new_id("cmp"),
        target=check_target(body.target, "target."),
        store_id=body.store_id or principal.store_id,
        status=CampaignStatus.draft.value,
        spent=ZERO,
        created_by=principal.key_id,
        created_at=now,
        updated_at=now,
    )
    campaign = Campaign.model_validate(values)
    await rows.add(session, tables.campaign, campaign.model_dump())
    await audit.record(session, principal, "campaign", campaign.id, "create", None, _audited(campaign), now)
    return await public(session, campaign)


async def get_campaign(session: AsyncSession, principal: Principal, campaign_id: str) -> CampaignPublic:
    return await public(session, await require(session, principal, campaign_id))


async def list_campaigns(
    session: AsyncSession, principal: Principal, status: CampaignStatus | None, limit: int, cursor: str | None
) -> CampaignPage:
    """Newest first; a store-bound key lists its store's campaigns only."""
    where = repo.visible(principal.store_id)
    if status is not None:
        where.append(tables.campaign.c.status == status.value)
    found = await rows.page(
        session, tables.campaign, Campaign, where, limit + 1, decode_cursor(cursor, "cmp")
    )
    page, after = split(found, limit)
    return CampaignPage(
        items=await publics(session, page), next_cursor=encode_cursor(after) if after else None
    )


async def update_campaign(
    session: AsyncSession, principal: Principal, campaign_id: str, body: CampaignUpdate, now: datetime
) -> CampaignPublic:
    """Edit a draft (anything else is 409 `campaign_state`); null clears an optional field."""
    campaign = await require(session, principal, campaign_id, for_update=True)
    check_editable(CampaignStatus(campaign.status))
    sent = body.model_fields_set
    for field in ("name", "bonus_counts_toward_tier", "target"):
        if field in sent and getattr(body, field) is None:
            raise InvalidInput.at(field, "may not be null")
    changes = _in_utc(body.model_dump(exclude_unset=True, exclude={"target"}))
    if body.target is not None:
        changes["target"] = check_target(body.target, "target.")
    if "service_types" in changes and changes["service_types"] is None:
        changes["service_types"] = []
    merged = {**campaign.model_dump(), **changes}
    await _check_terms(session, merged)
    if changes:
        changes["updated_at"] = now
        await repo.update_campaign(session, campaign_id, changes)
    after = Campaign.model_validate({**merged, **changes})
    await audit.record(
        session, principal, "campaign", campaign_id, "update", _audited(campaign), _audited(after), now
    )
    return await public(session, after)


async def change_status(
    session: AsyncSession, principal: Principal, campaign_id: str, body: CampaignStatusChange, now: datetime
) -> CampaignPublic:
    """Move the campaign (409 `illegal_transition` for a move the workflow does not allow); the
    status it already has changes nothing (a retry)."""
    await catalogue_repo.hold_rules(session, exclusive=True)
    campaign = await require(session, principal, campaign_id, for_update=True)
    current = CampaignStatus(campaign.status)
    if body.status != current:
        check_transition(current, body.status)
        if current == CampaignStatus.running:
            await catalogue_repo.bump_catalogue_version(session)  # posting stops applying it
        await repo.update_campaign(session, campaign_id, {"status": body.status.value, "updated_at": now})
        await audit.record(
            session, principal, "campaign", campaign_id, "status",
            {"status": current.value}, {"status": body.status.value}, now,
        )  # fmt: skip
        campaign = campaign.model_copy(update={"status": body.status.value, "updated_at": now})
    return await public(session, campaign)


def _mix(rows_: list[selection_repo.Mix]) -> list[MixRow]:
    return [MixRow.model_validate(m, from_attributes=True) for m in rows_]


async def _preview(
    session: AsyncSession,
    target: dict[str, Any],
    reach: Reach,
    bonus: Decimal | None = None,
    budget: Decimal | None = None,
    channel: str | None = None,
) -> PreviewPublic:
    b = await selection_repo.behaviour(
        session, selection_repo.selection(target, reach, channel), reach.store_id
    )
    n = b.members
    cost = None
    if bonus:
        cost = award_cost(bonus * n, (await load_rules(session)).settings.point_value)
        cost = min(cost, budget) if budget is not None else cost
    return PreviewPublic(
        members=n,
        purchases=b.purchases,
        spend=b.spend,
        profit=b.profit,
        average_spend=round2(b.spend / n) if n else ZERO,
        average_profit=round2(b.profit / n) if n else ZERO,
        lifetime_points=b.lifetime_points,
        balance=b.balance,
        service_mix=_mix(b.service_mix),
        tier_mix=_mix(b.tier_mix),
        stage_mix=_mix(b.stage_mix),
        estimated_bonus_cost=cost,
    )


async def preview_target(session: AsyncSession, principal: Principal, body: CampaignTarget) -> PreviewPublic:
    """Explore a selection by filters alone: size and behaviour, among the members the caller sees."""
    return await _preview(session, check_target(body), principal.reach)


async def preview_campaign(session: AsyncSession, principal: Principal, campaign_id: str) -> PreviewPublic:
    """The campaign's selection as it stands now (before execution freezes it) and its bonus cost."""
    campaign = await require(session, principal, campaign_id)
    reach = Reach(campaign.store_id)
    return await _preview(
        session, campaign.target, reach, campaign.bonus_points, campaign.budget, campaign.channel
    )
