"""Refunds: reverse the points of a full or partial refund (points.md "Refunds").

Concurrency: the member's row is locked first, as for posting (see `services.points`); the
purchase and its lines are re-read under that lock, so two refunds of one purchase queue.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import NotFound
from app.domain.loyalty.refunds import RefundableLine, RefundRequest, reverse
from app.models import Refund
from app.models.base import new_id
from app.models.loyalty.ledger import EntryKind
from app.models.loyalty.purchases import PurchaseLineRecord, RefundCreate, RefundLinePublic, RefundPublic
from app.repositories.loyalty import customers as customers_repo
from app.repositories.loyalty import purchases as purchases_repo
from app.services.integration.api_keys import Principal
from app.services.loyalty.ledger import Movement, apply_movement
from app.services.loyalty.rules import load_rules


async def refund_purchase(
    session: AsyncSession, principal: Principal, transaction_id: str, body: RefundCreate, now: datetime
) -> RefundPublic:
    """Reverse the points of a full or partial refund with the purchase's own X and rebate."""
    found = await purchases_repo.get(session, transaction_id)
    if found is None:
        raise NotFound(f"no transaction {transaction_id}")
    principal.check_store(found.store_id)
    locked = await customers_repo.get_with_version(
        session, found.customer_id, for_update=True, include_deleted=True
    )
    assert locked is not None  # a purchase's member row is never removed
    member, version = locked
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
    rules = await load_rules(session, version)
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
    )
    applied = await apply_movement(session, member, move, rules.ladder, now)
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
        tier_after=applied.tier_after,
        balance_after=applied.balance,
        lifetime_after=applied.lifetime_points,
        lines=[ln.model_dump(mode="json") for ln in reversed_lines],
    )
    by_no = {ln.line_no: ln for ln in refundable}
    tallies = {done.line_no: _tally(by_no[done.line_no].after(done)) for done in r.lines}
    purchase_tally = {
        "refunded_amount": purchase.refunded_amount + r.amount,
        "reversed_points": purchase.reversed_points + r.points,
        "updated_at": now,
    }
    await purchases_repo.record_refund(session, refund, purchase_tally, tallies)
    return RefundPublic.model_validate(
        {
            **refund.model_dump(),
            "transaction_id": purchase.id,
            "balance": refund.balance_after,
            "lifetime_points": refund.lifetime_after,
        }
    )


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
