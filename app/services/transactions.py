"""Purchases: quote, post (settle, ledger, totals, re-grade in one transaction) and refunds.

Concurrency: posting and refunding lock the member's row first (see `services.points`),
then write the member's totals before inserting rows that reference it, which keeps
PostgreSQL from creating MultiXacts for the foreign-key checks on a hot member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from app.domain.grading import grade
from app.domain.points_settings import Phase
from app.domain.refunds import RefundableLine, RefundRequest, reverse
from app.domain.settlement import LineInput, Settlement, settle_purchase
from app.models import Refund
from app.models.base import new_id
from app.models.customers import CustomerRecord
from app.models.ledger import EntryKind
from app.models.purchases import (
    QuotePublic,
    RefundCreate,
    RefundLinePublic,
    RefundPublic,
    TransactionCreate,
    TransactionLinePublic,
    TransactionPage,
    TransactionPublic,
)
from app.repositories import customers as customers_repo
from app.repositories import purchases as purchases_repo
from app.services.api_keys import Principal
from app.services.ledger import Movement, apply_movement
from app.services.pagination import decode_cursor, encode_cursor
from app.services.rules import Rules, load_rules


def _check_store(principal: Principal, store_id: str) -> None:
    if principal.store_id is not None and principal.store_id != store_id:
        raise Forbidden(f"this API key may only act for store {principal.store_id}")


async def _member(
    session: AsyncSession, customer_id: str, *, for_update: bool
) -> tuple[CustomerRecord, Rules]:
    found = await customers_repo.get_with_version(session, customer_id, for_update=for_update)
    if found is None:
        raise InvalidInput.at("customer_id", f"no member {customer_id}")
    member, version = found
    return member, await load_rules(session, version)


def _line_inputs(rules: Rules, body: TransactionCreate) -> list[LineInput]:
    """Lines for the domain: each with its service type's weight, and its average margin if none given."""
    types = rules.service_types
    problems = [
        FieldProblem(f"lines[{i}].service_type", f"unknown service type {ln.service_type!r}")
        for i, ln in enumerate(body.lines)
        if ln.service_type not in types
    ]
    if problems:
        raise InvalidInput("unknown service type", errors=problems)
    inputs = []
    for ln in body.lines:
        kind = types[ln.service_type]
        margin = ln.margin if ln.margin is not None or ln.cost is not None else kind.average_margin
        inputs.append(LineInput(amount=ln.amount, margin=margin, cost=ln.cost, weight=kind.points_weight))
    return inputs


def _settle(member: CustomerRecord, rules: Rules, inputs: Sequence[LineInput]) -> Settlement:
    """Settle at the rebate of the tier held before the purchase, with the X of the member's phase."""
    held = grade(rules.ladder, member.lifetime_points)
    return settle_purchase(inputs, rules.settings.x_for(Phase(member.phase)), held.rebate_rate)


def _line_rows(purchase_id: str, body: TransactionCreate, settlement: Settlement) -> list[dict[str, object]]:
    return [
        {
            "purchase_id": purchase_id,
            "line_no": no,
            "service_type": ln.service_type,
            "description": ln.description,
            "amount": r.amount,
            "margin": r.margin,
            "weight": r.weight,
            "list_profit": r.list_profit,
            "rebate": r.rebate,
            "paid": r.paid,
            "profit_points": r.profit_points,
            "consumption_points": r.consumption_points,
            "refunded_amount": 0,
            "reversed_profit_points": 0,
            "reversed_consumption_points": 0,
        }
        for no, (ln, r) in enumerate(zip(body.lines, settlement.lines, strict=True), start=1)
    ]


async def quote_purchase(session: AsyncSession, principal: Principal, body: TransactionCreate) -> QuotePublic:
    """What posting would give now (rebate, payable, points, tier after), with nothing saved."""
    _check_store(principal, body.store_id)
    member, rules = await _member(session, body.customer_id, for_update=False)
    inputs = _line_inputs(rules, body)
    s = _settle(member, rules, inputs)
    lifetime = member.lifetime_points + s.points
    rows = _line_rows("", body, s)
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
        balance=member.balance + s.points,
        lifetime_points=lifetime,
        lines=[TransactionLinePublic.model_validate(r) for r in rows],
    )


async def post_purchase(
    session: AsyncSession, principal: Principal, body: TransactionCreate, now: datetime
) -> TransactionPublic:
    """Settle, earn, re-grade and record a purchase in the caller's one transaction."""
    _check_store(principal, body.store_id)
    member, rules = await _member(session, body.customer_id, for_update=True)
    inputs = _line_inputs(rules, body)
    s = _settle(member, rules, inputs)
    purchase_id = new_id("txn")
    member_changes: dict[str, object] = {"purchase_count": member.purchase_count + 1}
    occurred_at = body.occurred_at or now
    if member.last_purchase_at is None or occurred_at > member.last_purchase_at:
        member_changes["last_purchase_at"] = occurred_at
    if member.phase == Phase.development:
        member_changes["phase"] = Phase.maintenance.value
    move = Movement(
        EntryKind.earn,
        s.points,
        True,
        s.profit_points,
        s.consumption_points,
        x=s.x,
        rebate=s.rebate,
        transaction_id=purchase_id,
        api_key_id=principal.key_id,
        member_changes=member_changes,
    )
    applied = await apply_movement(session, member, move, rules.ladder, now)
    purchase = {
        "id": purchase_id,
        "customer_id": member.id,
        "store_id": body.store_id,
        "external_id": body.external_id,
        "occurred_at": occurred_at,
        "created_at": now,
        "phase": member.phase,
        "x": s.x,
        "rebate_rate": s.rebate_rate,
        "tier_before": applied.tier_before,
        "tier_after": applied.tier_after,
        "amount": s.payable + s.rebate,
        "rebate": s.rebate,
        "payable": s.payable,
        "profit_points": s.profit_points,
        "consumption_points": s.consumption_points,
        "points": s.points,
        "balance_after": applied.balance,
        "lifetime_after": applied.lifetime_points,
        "refunded_amount": 0,
        "reversed_points": 0,
        "earn_entry_id": applied.entry_id,
    }
    lines = _line_rows(purchase_id, body, s)
    if not await purchases_repo.insert_purchase(session, purchase, lines):
        existing = await purchases_repo.find_receipt(session, body.store_id, body.external_id)
        raise Conflict(  # rolls back the member's totals and the ledger entry written above
            f"receipt {body.external_id} of store {body.store_id} was already posted",
            extra={"existing_id": existing or ""},
        )
    return _public(purchase, lines)


def _public(p: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> TransactionPublic:
    """The response for a purchase, from its row (or the values just inserted) and its lines."""
    return TransactionPublic.model_validate(
        {
            **p,
            "balance": p["balance_after"],
            "lifetime_points": p["lifetime_after"],
            "lines": lines,
        }
    )


async def get_transaction(session: AsyncSession, transaction_id: str) -> TransactionPublic:
    purchase = await purchases_repo.get(session, transaction_id)
    if purchase is None:
        raise NotFound(f"no transaction {transaction_id}")
    lines = await purchases_repo.lines_of(session, [purchase.id])
    return _public(purchase.model_dump(), [ln.model_dump() for ln in lines[purchase.id]])


async def list_transactions(
    session: AsyncSession, *, customer_id: str | None, store_id: str | None, limit: int, cursor: str | None
) -> TransactionPage:
    after = decode_cursor(cursor)
    found = await purchases_repo.page(
        session, customer_id=customer_id, store_id=store_id, limit=limit + 1, after_id=after
    )
    page = list(found[:limit])
    lines = await purchases_repo.lines_of(session, [p.id for p in page]) if page else {}
    items = [_public(p.model_dump(), [ln.model_dump() for ln in lines[p.id]]) for p in page]
    return TransactionPage(
        items=items, next_cursor=encode_cursor(page[-1].id) if len(found) > limit else None
    )


async def refund_purchase(
    session: AsyncSession, principal: Principal, transaction_id: str, body: RefundCreate, now: datetime
) -> RefundPublic:
    """Reverse the points of a full or partial refund with the purchase's own X and rebate."""
    found = await purchases_repo.get(session, transaction_id)
    if found is None:
        raise NotFound(f"no transaction {transaction_id}")
    _check_store(principal, found.store_id)
    locked = await customers_repo.get_with_version(
        session, found.customer_id, for_update=True, include_deleted=True
    )
    assert locked is not None  # a purchase's member row is never removed
    member, version = locked
    purchase = await purchases_repo.get(session, transaction_id)  # re-read under the member's lock
    assert purchase is not None
    lines = (await purchases_repo.lines_of(session, [purchase.id]))[purchase.id]
    refundable = [
        RefundableLine(
            ln.line_no,
            ln.paid,
            ln.weight,
            ln.profit_points,
            ln.consumption_points,
            ln.refunded_amount,
            ln.reversed_profit_points,
            ln.reversed_consumption_points,
        )
        for ln in lines
    ]
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
    line_values = {}
    for done in r.lines:
        after = by_no[done.line_no].after(done)
        line_values[done.line_no] = {
            "refunded_amount": after.refunded_amount,
            "reversed_profit_points": after.reversed_profit_points,
            "reversed_consumption_points": after.reversed_consumption_points,
        }
    await purchases_repo.record_refund(
        session,
        refund,
        {
            "refunded_amount": purchase.refunded_amount + r.amount,
            "reversed_points": purchase.reversed_points + r.points,
        },
        line_values,
    )
    return RefundPublic(
        id=refund.id,
        transaction_id=purchase.id,
        customer_id=member.id,
        created_at=now,
        amount=r.amount,
        profit_points=r.profit_points,
        consumption_points=r.consumption_points,
        points=r.points,
        tier_before=applied.tier_before,
        tier_after=applied.tier_after,
        balance=applied.balance,
        lifetime_points=applied.lifetime_points,
        lines=reversed_lines,
    )
