"""Purchases: quote, post (settle, ledger, totals, re-grade in one transaction), read, list.

Concurrency: posting locks the member's row first (see `services.points`), then writes the
member's totals before inserting rows that reference it, which keeps PostgreSQL from creating
MultiXacts for the foreign-key checks on a hot member. On PostgreSQL the hot path posts most
purchases through `hot_posting` instead, from the same `purchase_rows`, and hands this module
whatever it does not take (points paid with, a running campaign, an alert to raise, a replay).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import DuplicateReceipt, InvalidInput, NotFound
from app.domain.finance.points_payment import PointsPayment, pay_with_points
from app.domain.loyalty.grading import grade
from app.domain.loyalty.settlement import Settlement
from app.domain.marketing.campaign_incentives import CampaignExtra
from app.domain.money import ZERO
from app.models.base import new_id
from app.models.integration.webhooks import EventType
from app.models.loyalty.customers import CustomerRecord
from app.models.loyalty.ledger import EntryKind
from app.models.loyalty.purchases import (
    CampaignExtraPublic,
    QuotePublic,
    TransactionCreate,
    TransactionLinePublic,
    TransactionPage,
    TransactionPublic,
)
from app.repositories.crm import seen
from app.repositories.loyalty import purchases as purchases_repo
from app.repositories.sync import ChangedSince
from app.services.finance.expiry import due_points, expire_locked
from app.services.integration.api_keys import Principal
from app.services.integration.events import emit
from app.services.loyalty.access import seen_purchase
from app.services.loyalty.ledger import (
    Applied,
    Movement,
    apply_movement,
)
from app.services.loyalty.points import check_balance, get_member
from app.services.loyalty.purchase_rows import (
    line_inputs,
    line_rows,
    member_changes,
    movements,
    occurred,
    public,
    purchase_row,
    settle,
)
from app.services.loyalty.refund_reads import refunds_of
from app.services.loyalty.rules import Rules
from app.services.loyalty.stores import require_store
from app.services.marketing import analysis, campaign_posting
from app.services.pagination import decode_cursor, decode_sync_cursor, encode_cursor, sync_cursor


async def _member(
    session: AsyncSession, principal: Principal, customer_id: str, *, for_update: bool
) -> tuple[CustomerRecord, Rules]:
    """The member a purchase names; an unknown one is a bad field of the body, not a 404.

    Any key sells to any member, except a staff user's, which sells only to its own members
    (another's is as unknown to it as a missing one)."""
    try:
        member, rules = await get_member(session, customer_id, for_update=for_update)
    except NotFound:
        raise InvalidInput.at("customer_id", f"no member {customer_id}") from None
    if principal.rep is not None and member.sales_rep != principal.rep:
        raise InvalidInput.at("customer_id", f"no member {customer_id}")
    return member, rules


async def _settle_with_campaigns(
    session: AsyncSession, member: CustomerRecord, rules: Rules, body: TransactionCreate, now: datetime
) -> tuple[Settlement, list[CampaignExtra]]:
    """The settlement with running campaigns' extra rebates, and what each campaign adds."""
    incentives = await campaign_posting.purchase_incentives(
        session, rules.version, member.id, body.store_id, occurred(body, now)
    )
    kinds = [ln.service_type for ln in body.lines]
    return campaign_posting.settle_with_campaigns(
        lambda lines: settle(member, rules, lines), line_inputs(rules, body), kinds, incentives
    )


async def quote_purchase(
    session: AsyncSession, principal: Principal, body: TransactionCreate, now: datetime
) -> QuotePublic:
    """What posting would give now (rebate, payable, points, tier after), with nothing saved."""
    principal.check_store(body.store_id)
    await require_store(session, body.store_id)
    member, rules = await _member(session, principal, body.customer_id, for_update=False)
    s, extras = await _settle_with_campaigns(session, member, rules, body, now)
    bonus = sum((e.bonus_points for e in extras), ZERO)
    lifetime = (
        member.lifetime_points
        + s.points
        + sum((e.bonus_points for e in extras if e.counts_toward_tier), ZERO)
    )
    rows = line_rows("", body, s)
    payment = pay_with_points(body.redeem_points or ZERO, rules.settings.point_value, s.payable)
    if body.redeem_points:
        usable = member.model_copy(
            update={"balance": member.balance - await due_points(session, member.id, now)}
        )
        check_balance(usable, body.redeem_points, "redeem_points")
    return QuotePublic(
        customer_id=member.id,
        tier_before=member.tier,
        tier_after=grade(rules.ladder, lifetime).code,
        rebate_rate=s.rebate_rate,
        rebate=s.rebate,
        payable=s.payable,
        profit_points=s.profit_points,
        consumption_points=s.consumption_points,
        points=s.points,
        x=s.x,
        balance=member.balance + s.points + bonus - payment.points,
        lifetime_points=lifetime,
        redeemed_points=payment.points,
        redeemed_value=payment.value,
        to_pay=payment.to_pay,
        lines=[TransactionLinePublic.model_validate(r) for r in rows],
        campaign_bonus_points=bonus,
        campaigns=[CampaignExtraPublic.model_validate(e, from_attributes=True) for e in extras],
    )


async def post_purchase(
    session: AsyncSession, principal: Principal, body: TransactionCreate, now: datetime
) -> TransactionPublic:
    """Settle, earn, re-grade and record a purchase in the caller's one transaction.

    Any member may buy at any active store; `occurred_at` is kept and answered in UTC.
    """
    principal.check_store(body.store_id)
    await require_store(session, body.store_id)
    member, rules = await _member(session, principal, body.customer_id, for_update=True)
    s, extras = await _settle_with_campaigns(session, member, rules, body, now)
    payment = pay_with_points(body.redeem_points or ZERO, rules.settings.point_value, s.payable)
    if body.redeem_points:  # checked against the balance before the purchase (points.md)
        member = await expire_locked(session, member, rules.ladder, now)
        check_balance(member, body.redeem_points, "redeem_points")
    purchase_id = new_id("txn")
    changes = member_changes(body, member, now)
    changes |= await analysis.on_purchase(session, member, rules.version, changes, s.profit_points, now)
    applied: list[Applied] = []
    held = member
    for move in movements(principal, body, rules, s, purchase_id, changes, now):
        applied.append(await apply_movement(session, held, move, rules.ladder, now))
        held = applied[-1].member
    redeemed = await _redeem(session, principal, body, applied[-1], payment, rules, purchase_id, now)
    final, given = await campaign_posting.award_purchase_bonuses(
        session, extras, redeemed or applied[-1], rules, purchase_id, body.store_id, body.external_id,
        principal.key_id, now,
    )  # fmt: skip
    purchase = purchase_row(body, member, s, payment, applied[0], final, redeemed, purchase_id, now)
    lines = line_rows(purchase_id, body, s)
    if not await purchases_repo.insert_purchase(session, purchase, lines):
        existing = await purchases_repo.find_receipt(session, body.store_id, body.external_id)
        raise DuplicateReceipt(  # rolls back the member's totals and the ledger entry written above
            f"receipt {body.external_id} of store {body.store_id} was already posted",
            extra={"existing_id": existing or ""},
        )
    posted = public(purchase, lines, [], given)
    await emit(session, EventType.transaction_posted, _event_data(posted), now)
    return posted


def _event_data(posted: TransactionPublic) -> dict[str, Any]:
    """The purchase as its `transaction.posted` event carries it (the public view, as JSON)."""
    data: dict[str, Any] = posted.model_dump(mode="json", exclude={"refunds"})
    return data


async def _redeem(
    session: AsyncSession,
    principal: Principal,
    body: TransactionCreate,
    earned: Applied,
    payment: PointsPayment,
    rules: Rules,
    purchase_id: str,
    now: datetime,
) -> Applied | None:
    """The `redeem` entry of points paid with, written after the `earn` entry."""
    if not payment.points:
        return None
    move = Movement(
        EntryKind.redeem,
        -payment.points,
        False,
        transaction_id=purchase_id,
        reason=f"paid {payment.value:.2f} of purchase {purchase_id}",
        api_key_id=principal.key_id,
        store_id=body.store_id,
        receipt_ref=body.external_id,
    )
    return await apply_movement(session, earned.member, move, rules.ladder, now)


async def get_transaction(
    session: AsyncSession, principal: Principal, transaction_id: str
) -> TransactionPublic:
    purchase = await seen_purchase(session, principal, transaction_id)
    lines = await purchases_repo.lines_of(session, [purchase.id])
    refunds = await refunds_of(session, [purchase.id])
    campaigns = await campaign_posting.campaigns_of(session, [purchase.id])
    return public(
        purchase.model_dump(),
        [ln.model_dump() for ln in lines[purchase.id]],
        refunds[purchase.id],
        campaigns[purchase.id],
    )


async def list_transactions(
    session: AsyncSession,
    principal: Principal,
    *,
    customer_id: str | None,
    store_id: str | None,
    limit: int,
    cursor: str | None,
    updated_since: datetime | None = None,
) -> TransactionPage:
    """Newest first; with `updated_since`, posted or refunded since then, oldest change first.

    A store-bound key lists only its store's (another store's filter finds none)."""
    if principal.rep is None and principal.store_id is not None:
        if store_id not in (None, principal.store_id):
            return TransactionPage(items=[], next_cursor=None)
        store_id = principal.store_id
    changed = ChangedSince(updated_since, decode_sync_cursor(cursor)) if updated_since else None
    found = await purchases_repo.page(
        session,
        customer_id=customer_id,
        store_id=store_id,
        members=seen.member_ids(principal.reach) if principal.rep is not None else None,
        limit=limit + 1,
        after_id=None if changed else decode_cursor(cursor, "txn"),
        changed=changed,
    )
    page = list(found[:limit])
    ids = [p.id for p in page]
    lines = await purchases_repo.lines_of(session, ids) if page else {}
    refunds = await refunds_of(session, ids) if page else {}
    campaigns = await campaign_posting.campaigns_of(session, ids)
    items = [
        public(p.model_dump(), [ln.model_dump() for ln in lines[p.id]], refunds[p.id], campaigns[p.id])
        for p in page
    ]
    next_cursor = None
    if len(found) > limit:
        last = page[-1]
        next_cursor = sync_cursor(last.updated_at, last.id) if changed else encode_cursor(last.id)
    return TransactionPage(items=items, next_cursor=next_cursor)
