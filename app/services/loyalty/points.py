"""Balances, the ledger, redemptions and admin adjustments.

Concurrency: every balance-changing use case holds the rules shared (see
`services.loyalty.rules`) and then locks the member's row (`SELECT … FOR UPDATE`,
`get_member(..., for_update=True)`) and writes through
`ledger.apply_movement`, so concurrent posts to one member queue on that lock and no
update is lost; deadlocks or busy errors are retried by the unit of work.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import Busy, InsufficientBalance, InvalidInput, NotFound
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
from app.repositories.loyalty import catalogue as catalogue_repo
from app.repositories.loyalty import customers as customers_repo
from app.repositories.loyalty import hot as hot_repo
from app.repositories.loyalty import ledger as ledger_repo
from app.services.finance.expiry import expire_locked, next_expiry
from app.services.integration.api_keys import Principal
from app.services.loyalty.access import check_sees, sees_without_sales
from app.services.loyalty.ledger import Applied, Movement, apply_movement
from app.services.loyalty.rules import Rules, cached_rules, load_rules
from app.services.loyalty.stores import require_store
from app.services.pagination import decode_number_cursor, encode_cursor


async def get_member(
    session: AsyncSession, customer_id: str, *, for_update: bool = False, include_deleted: bool = False
) -> tuple[CustomerRecord, Rules]:
    """The member (locked when it is about to change) and the rules its stored tier was graded by.

    A writer holds the rules shared first (see `services.loyalty.rules`), so neither the member
    nor the rules can move until commit; a reader gets both from one snapshot, or reads again.
    """
    if for_update:
        await catalogue_repo.hold_rules(session, exclusive=False)
    for _ in range(3):
        found = await customers_repo.get_with_version(
            session, customer_id, for_update=for_update, include_deleted=include_deleted
        )
        if found is None:
            raise NotFound(f"no member {customer_id}")
        member, version = found
        rules = await load_rules(session, version)
        if rules.version == version:
            return member, rules
    raise Busy("the rules changed while the member was read; retry shortly")


def _next(rules: Rules, lifetime: Decimal) -> tuple[str | None, Decimal | None]:
    found = next_tier(rules.ladder, lifetime)
    return (found[0].code, found[1]) if found else (None, None)


async def _seen(
    session: AsyncSession, principal: Principal, customer_id: str
) -> tuple[CustomerRecord, Rules]:
    member, rules = await get_member(session, customer_id)
    await check_sees(session, principal, member)
    return member, rules


async def get_points(session: AsyncSession, principal: Principal, customer_id: str) -> PointsPublic:
    member, rules = await _seen(session, principal, customer_id)
    nxt, needed = _next(rules, member.lifetime_points)
    expiring = await next_expiry(session, member.id) if member.balance > 0 else None
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
        next_expiry_at=expiring[0] if expiring else None,
        next_expiry_points=expiring[1] if expiring else None,
    )


async def get_tier_status(session: AsyncSession, principal: Principal, customer_id: str) -> TierStatus:
    """The mobile app's call: tier, balance, what is left to the next tier, allowed services."""
    member, rules = await _seen(session, principal, customer_id)
    return _tier_status(member, rules)


def _tier_status(member: CustomerRecord | hot_repo.HotMember, rules: Rules) -> TierStatus:
    """Built from values already validated: not validated again."""
    tier = rules.tier(member.tier)
    nxt, needed = _next(rules, member.lifetime_points)
    return TierStatus.model_construct(
        customer_id=member.id,
        tier=tier.code,
        tier_name=tier.name,
        rebate_rate=tier.rebate_rate,
        lifetime_points=member.lifetime_points,
        balance=member.balance,
        next_tier=nxt,
        points_to_next_tier=needed,
        allowed_services=list(tier.allowed_services),
    )


async def get_tier_status_raw(
    conn: asyncpg.Connection, database: str, principal: Principal, customer_id: str
) -> TierStatus | None:
    """`get_tier_status` on a raw connection (exists only for speed: the tier-read hot path).

    None when this worker does not hold the rules of the version read: the caller then takes
    the ordinary route, which loads them.
    """
    member = await hot_repo.member(conn, customer_id)
    if member is None:
        raise NotFound(f"no member {customer_id}")
    seen = sees_without_sales(principal, member)
    if seen is None:
        seen = await hot_repo.sold_at(conn, member.id, principal.store_id or "")
    if not seen:
        raise NotFound(f"no member {customer_id}")
    rules = cached_rules(database, member.catalogue_version)
    return _tier_status(member, rules) if rules is not None else None


async def get_ledger(
    session: AsyncSession,
    principal: Principal,
    customer_id: str,
    limit: int,
    cursor: str | None,
    updated_since: datetime | None = None,
) -> LedgerPage:
    """Newest first; with `updated_since`, entries written since then in the order written."""
    member = await customers_repo.get(session, customer_id)
    if member is None:
        raise NotFound(f"no member {customer_id}")
    await check_sees(session, principal, member)
    at = decode_number_cursor(cursor)
    if updated_since is not None:
        entries = await ledger_repo.page_since(session, customer_id, updated_since, limit + 1, at)
    else:
        entries = await ledger_repo.page(session, customer_id, limit + 1, at)
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
    """Redeem points for money at the point value, at a store against a receipt; refused
    while the balance (after expiring what is past its date) is short."""
    store_id = body.store_id or principal.store_id
    if store_id is not None:
        principal.check_store(store_id)
    if body.store_id is not None:
        await require_store(session, body.store_id)
    member, rules = await get_member(session, customer_id, for_update=True)
    await check_sees(session, principal, member)
    member = await expire_locked(session, member, rules.ladder, now)
    check_balance(member, body.points, "points")
    move = Movement(
        EntryKind.redeem,
        -body.points,
        False,
        reason=body.reason,
        api_key_id=principal.key_id,
        store_id=store_id,
        receipt_ref=body.receipt_ref,
    )
    applied = await apply_movement(session, member, move, rules.ladder, now)
    return _movement(applied, round2(body.points * rules.settings.point_value))


def check_balance(member: CustomerRecord, points: Decimal, field: str) -> None:
    """409 when the member's balance cannot pay `points`."""
    if member.balance < points:
        raise InsufficientBalance(
            f"{field}: the balance ({member.balance:.2f}) is short of {points:.2f} points",
            extra={"balance": f"{member.balance:.2f}"},
        )


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
    return _movement(applied, round2(body.points * rules.settings.point_value))  # signed like the points
