"""Reversing a redemption (a voided POS receipt): one reversing entry, never two.

The member's row is locked first (as for every movement), so two reversals of one
redemption queue and the second finds the first and gets 409. The points come back as a
new lot, dated now (with the expiry in force), so a reversal never revives expired points
as older ones.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import AlreadyReversed, InvalidInput, NotFound
from app.domain.finance.expiry import expiry_date
from app.domain.money import round2
from app.models.loyalty.customers import CustomerRecord
from app.models.loyalty.ledger import (
    EntryKind,
    LedgerEntryPublic,
    PointsMovement,
    RedemptionPage,
    RedemptionPublic,
    RedemptionReversalCreate,
)
from app.repositories.finance import redemptions as repo
from app.repositories.finance.redemptions import RedemptionFilters
from app.services.integration.api_keys import Principal
from app.services.loyalty.access import check_sees
from app.services.loyalty.ledger import Applied, Movement, apply_movement
from app.services.loyalty.points import get_member
from app.services.loyalty.rules import Rules, load_rules
from app.services.pagination import decode_cursor, encode_cursor


async def return_redemption(
    session: AsyncSession,
    member: CustomerRecord,
    rules: Rules,
    entry_id: str,
    now: datetime,
    *,
    reason: str | None,
    api_key_id: str | None,
    refund_id: str | None = None,
) -> Applied | None:
    """Write the reversal of redemption `entry_id` for the locked member; None if already reversed."""
    entry = await repo.get_entry(session, member.id, entry_id)
    if entry is None or entry.kind != EntryKind.redeem:
        raise NotFound(f"no redemption {entry_id} of member {member.id}")
    if await repo.reversal_of(session, member.id, entry_id) is not None:
        return None
    move = Movement(
        EntryKind.reverse,
        -entry.points,
        False,
        transaction_id=entry.transaction_id,
        reverses_id=entry.id,
        reason=reason or (f"returned by refund {refund_id}" if refund_id else "redemption reversed"),
        api_key_id=api_key_id,
        store_id=entry.store_id,
        receipt_ref=entry.receipt_ref,
        expires_at=expiry_date(now, rules.settings.points_expiry_months),
    )
    return await apply_movement(session, member, move, rules.ladder, now)


async def reverse_redemption(
    session: AsyncSession,
    principal: Principal,
    customer_id: str,
    entry_id: str,
    body: RedemptionReversalCreate,
    now: datetime,
) -> PointsMovement:
    """Give back the points of one redemption; 409 when it was already reversed."""
    member, rules = await get_member(session, customer_id, for_update=True)
    await check_sees(session, principal, member)
    entry = await repo.get_entry(session, member.id, entry_id)
    if entry is not None and principal.store_id is not None and entry.store_id != principal.store_id:
        raise NotFound(f"no redemption {entry_id} of member {member.id}")  # another store's: not shown
    applied = await return_redemption(
        session, member, rules, entry_id, now, reason=body.reason, api_key_id=principal.key_id
    )
    if applied is None:
        existing = await repo.reversal_of(session, member.id, entry_id)
        raise AlreadyReversed(
            f"redemption {entry_id} was already reversed", extra={"existing_id": existing or ""}
        )
    points = applied.entry["points"]
    return PointsMovement(
        entry=LedgerEntryPublic.model_validate(applied.entry),
        value=round2(points * rules.settings.point_value),
        balance=applied.balance,
        lifetime_points=applied.lifetime_points,
        tier=applied.tier_after,
    )


async def list_redemptions(
    session: AsyncSession,
    principal: Principal,
    filters: RedemptionFilters,
    limit: int,
    cursor: str | None,
) -> RedemptionPage:
    """Redemptions for a POS to reconcile (a store-bound key sees its own store's only)."""
    if principal.rep is not None:
        filters = replace(filters, reach=principal.reach)
    elif principal.store_id is not None:
        if filters.store_id not in (None, principal.store_id):
            return RedemptionPage(items=[], next_cursor=None)
        filters = replace(filters, store_id=principal.store_id)
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput.at("since", "must not be after `until`")
    found = await repo.page(session, filters, limit + 1, decode_cursor(cursor, "led"))
    entries = found[:limit]
    reversed_by = await repo.reversals_of(session, [e.id for e in entries])
    point_value = (await load_rules(session)).settings.point_value
    items = [
        RedemptionPublic(
            id=e.id,
            customer_id=e.customer_id,
            points=-e.points,
            value=round2(-e.points * point_value),
            store_id=e.store_id,
            receipt_ref=e.receipt_ref,
            transaction_id=e.transaction_id,
            reason=e.reason,
            created_at=e.created_at,
            reversed_by=reversed_by.get(e.id),
        )
        for e in entries
    ]
    more = len(found) > limit
    return RedemptionPage(items=items, next_cursor=encode_cursor(entries[-1].id) if more else None)
