"""Balances, the ledger, redemptions and admin adjustments.

Concurrency: every balance-changing use case locks the member's row first
(`SELECT … FOR UPDATE`, `customers.get(..., for_update=True)`) and writes through
`ledger.apply_movement`, so concurrent posts to one member queue on that lock and no
update is lost; deadlocks or busy errors are retried by the unit of work.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.loyalty.grading import next_tier
from app.domain.money import round2
from app.models.loyalty.customers import CustomerRecord
from app.models.loyalty.ledger import (
    AdjustmentCreate,
    EntryKind,
    LedgerEntryPublic,
    LedgerPage,
    PointsMovement,
    PointsPublic,
    RedemptionCreate,
    TierStatus,
)
from app.repositories.loyalty import customers as customers_repo
from app.repositories.loyalty import ledger as ledger_repo
from app.services.integration.api_keys import Principal
from app.services.loyalty.ledger import Applied, Movement, apply_movement
from app.services.loyalty.rules import Rules, load_rules
from app.services.pagination import decode_number_cursor, encode_cursor


async def get_member(
    session: AsyncSession, customer_id: str, *, for_update: bool = False
) -> tuple[CustomerRecord, Rules]:
    """The member (locked when it is about to change) and the rules in force, in one round trip."""
    found = await customers_repo.get_with_version(session, customer_id, for_update=for_update)
    if found is None:
        raise NotFound(f"no member {customer_id}")
    member, version = found
    return member, await load_rules(session, version)


def _next(rules: Rules, lifetime: Decimal) -> tuple[str | None, Decimal | None]:
    found = next_tier(rules.ladder, lifetime)
    return (found[0].code, found[1]) if found else (None, None)


async def get_points(session: AsyncSession, customer_id: str) -> PointsPublic:
    member, rules = await get_member(session, customer_id)
    nxt, needed = _next(rules, member.lifetime_points)
    return PointsPublic(
        customer_id=member.id,
        balance=member.balance,
        balance_value=round2(max(member.balance, Decimal(0)) * rules.settings.point_value),
        lifetime_points=member.lifetime_points,
        lifetime_profit_points=member.lifetime_profit_points,
        lifetime_consumption_points=member.lifetime_consumption_points,
        tier=member.tier,
        next_tier=nxt,
        points_to_next_tier=needed,
    )


async def get_tier_status(session: AsyncSession, customer_id: str) -> TierStatus:
    """The mobile app's call: tier, balance, what is left to the next tier, allowed services."""
    member, rules = await get_member(session, customer_id)
    tier = rules.tier(member.tier)
    nxt, needed = _next(rules, member.lifetime_points)
    return TierStatus(
        customer_id=member.id,
        tier=tier.code,
        tier_name=tier.name,
        rebate_rate=tier.rebate_rate,
        lifetime_points=member.lifetime_points,
        balance=member.balance,
        next_tier=nxt,
        points_to_next_tier=needed,
        allowed_services=tier.allowed_services,
    )


async def get_ledger(session: AsyncSession, customer_id: str, limit: int, cursor: str | None) -> LedgerPage:
    if await customers_repo.get(session, customer_id) is None:
        raise NotFound(f"no member {customer_id}")
    before = decode_number_cursor(cursor)
    entries = await ledger_repo.page(session, customer_id, limit + 1, before)
    items = [LedgerEntryPublic.model_validate(e, from_attributes=True) for e in entries[:limit]]
    more = len(entries) > limit
    return LedgerPage(items=items, next_cursor=encode_cursor(str(items[-1].entry_no)) if more else None)


def _movement(applied: Applied, value: Decimal) -> PointsMovement:
    return PointsMovement(
        entry=LedgerEntryPublic.model_validate(applied.entry),
        value=value,
        balance=applied.balance,
        lifetime_points=applied.lifetime_points,
        tier=applied.tier_after,
    )


async def redeem_points(
    session: AsyncSession, principal: Principal, customer_id: str, body: RedemptionCreate, now: datetime
) -> PointsMovement:
    """Redeem points for money at the point value; refused while the balance is short."""
    member, rules = await get_member(session, customer_id, for_update=True)
    if member.balance < body.points:
        raise Conflict(
            f"the balance ({member.balance:.2f}) is short of {body.points:.2f} points",
            extra={"balance": f"{member.balance:.2f}"},
        )
    move = Movement(EntryKind.redeem, -body.points, False, reason=body.reason, api_key_id=principal.key_id)
    applied = await apply_movement(session, member, move, rules.ladder, now)
    return _movement(applied, round2(body.points * rules.settings.point_value))


async def adjust_points(
    session: AsyncSession, principal: Principal, customer_id: str, body: AdjustmentCreate, now: datetime
) -> PointsMovement:
    """An admin correction with a reason; `counts_toward_tier` for opening balances from a legacy system."""
    member, rules = await get_member(session, customer_id, for_update=True)
    if body.counts_toward_tier and member.lifetime_points + body.points < 0:
        raise InvalidInput.at("points", "would make the member's lifetime points negative")
    move = Movement(
        EntryKind.adjust,
        body.points,
        body.counts_toward_tier,
        reason=body.reason,
        api_key_id=principal.key_id,
    )
    applied = await apply_movement(session, member, move, rules.ladder, now)
    return _movement(applied, round2(abs(body.points) * rules.settings.point_value))
