"""Refunds: reverse the points of a full or partial refund (points.md "Refunds").

Concurrency: the member's row is locked first, as for posting (see `services.points`); the
purchase and its lines are re-read under that lock, so two refunds of one purchase queue.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.loyalty.refunds import RefundableLine, RefundRequest, reverse
from app.models import Refund
from app.models.base import new_id
from app.models.integration.webhooks import EventType
from app.models.loyalty.ledger import EntryKind
from app.models.loyalty.purchases import (
    PurchaseLineRecord,
    PurchaseRecord,
    RefundCreate,
    RefundLinePublic,
    RefundPublic,
)
from app.repositories.loyalty import purchases as purchases_repo
from app.services.finance import lots
from app.services.finance.redemptions import return_redemption
from app.services.integration.api_keys import Principal
from app.services.integration.events import emit
from app.services.loyalty.access import seen_purchase
from app.services.loyalty.ledger import Applied, Movement, apply_movement
from app.services.loyalty.points import get_member
from app.services.loyalty.refund_reads import refund_public
from app.services.loyalty.rules import Rules
from app.services.marketing import analysis
from app.services.marketing.campaign_posting import reverse_purchase_bonuses


async def refund_purchase(
    session: AsyncSession, principal: Principal, transaction_id: str, body: RefundCreate, now: datetime
) -> RefundPublic:
    """Reverse the points of a full or partial refund with the purchase's own X and rebate."""
    found = await seen_purchase(session, principal, transaction_id)  # another store's: 404
    member, rules = await get_member(session, found.customer_id, for_update=True, include_deleted=True)
    purchase = await purchases_repo.get(session, transaction_id)  # re-read under the member's lock
    assert purchase is not None
    lines = (await purchases_repo.lines_of(session, [purchase.id]))[purchase.id]
    refundable = [_refundable(ln) for ln in lines]
    requests = [RefundRequest(r.line_no, r.amount) for r in body.lines] if body.lines else None
    r = reverse(
        refundable,
        requests,
        x=purchase.x,
        purchase_points=purchase.points,
        reversed_points=purchase.reversed_points,
    )
    refund_id = new_id("ref")
    move = Movement(
        EntryKind.reverse,
        -r.points,
        True,
        -r.profit_points,
        -r.consumption_points,
        x=purchase.x,
        transaction_id=purchase.id,
        refund_id=refund_id,
        reverses_id=purchase.earn_entry_id,
        api_key_id=principal.key_id,
        store_id=purchase.store_id,
        receipt_ref=purchase.external_id,
        track_lots=False,
    )
    absorbed = await lots.refund_lot(
        session,
        customer_id=member.id,
        lot_id=purchase.earn_entry_id,
        reversed_points=r.points,
        balance_before=member.balance,
        now=now,
    )
    applied = await apply_movement(session, member, move, rules.ladder, now)
    last = await _not_taken_twice(session, applied, absorbed, purchase, refund_id, rules, now)
    completed = purchase.refunded_amount + r.amount == purchase.payable
    last = await reverse_purchase_bonuses(
        session,
        last,
        rules,
        purchase_id=purchase.id,
        purchase_points=purchase.points,
        reversed_points=r.points,
        completes=r.completes_purchase,
        refund_id=refund_id,
        api_key_id=principal.key_id,
        now=now,
    )
    returned = None
    if completed and purchase.redeem_entry_id is not None:
        returned = await return_redemption(
            session,
            last.member,
            rules,
            purchase.redeem_entry_id,
            now,
            reason=None,
            api_key_id=principal.key_id,
            refund_id=refund_id,
        )
    final = returned or last
    reversed_lines = [RefundLinePublic.model_validate(ln, from_attributes=True) for ln in r.lines]
    refund = Refund(
        id=refund_id,
        purchase_id=purchase.id,
        customer_id=member.id,
        created_at=now,
        amount=r.amount,
        profit_points=r.profit_points,
        consumption_points=r.consumption_points,
        points=r.points,
        tier_before=applied.tier_before,
        tier_after=final.tier_after,
        balance_after=final.balance,
        lifetime_after=final.lifetime_points,
        lines=[ln.model_dump(mode="json") for ln in reversed_lines],
        returned_points=returned.entry["points"] if returned else Decimal(0),
    )
    by_no = {ln.line_no: ln for ln in refundable}
    tallies = {done.line_no: _tally(by_no[done.line_no].after(done)) for done in r.lines}
    purchase_tally = {
        "refunded_amount": purchase.refunded_amount + r.amount,
        "reversed_points": purchase.reversed_points + r.points,
        "updated_at": now,
    }
    await purchases_repo.record_refund(session, refund, purchase_tally, tallies)
    await analysis.on_history_changed(session, member.id, rules.version, now)
    public = refund_public(refund)
    await emit(session, EventType.transaction_refunded, public.model_dump(mode="json"), now)
    return public


async def _not_taken_twice(
    session: AsyncSession,
    applied: Applied,
    absorbed: Decimal,
    purchase: PurchaseRecord,
    refund_id: str,
    rules: Rules,
    now: datetime,
) -> Applied:
    """Give back to the balance the part of the reversal that had already expired (points.md
    "Expiry"): an `expire` entry of +absorbed naming the purchase's lot; lifetime untouched."""
    if not absorbed:
        return applied
    move = Movement(
        EntryKind.expire,
        absorbed,
        False,
        transaction_id=purchase.id,
        refund_id=refund_id,
        lot_id=purchase.earn_entry_id,
        reason="already expired: not taken twice by the refund",
        track_lots=False,
    )
    return await apply_movement(session, applied.member, move, rules.ladder, now)


def _refundable(line: PurchaseLineRecord) -> RefundableLine:
    return RefundableLine(
        line.line_no,
        line.paid,
        line.weight,
        line.profit_points,
        line.consumption_points,
        line.refunded_amount,
        line.reversed_profit_points,
        line.reversed_consumption_points,
    )


def _tally(line: RefundableLine) -> dict[str, Decimal]:
    """What a line has had refunded and reversed so far, as stored on it."""
    return {
        "refunded_amount": line.refunded_amount,
        "reversed_profit_points": line.reversed_profit_points,
        "reversed_consumption_points": line.reversed_consumption_points,
    }
