"""Purchases: quote, post (settle, ledger, totals, re-grade in one transaction), read, list.

Concurrency: posting locks the member's row first (see `services.points`), then writes the
member's totals before inserting rows that reference it, which keeps PostgreSQL from creating
MultiXacts for the foreign-key checks on a hot member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import DuplicateReceipt, FieldProblem, InvalidInput, NotFound
from app.domain.finance.expiry import expiry_date
from app.domain.finance.liability import delta, stripe_of
from app.domain.finance.points_payment import PointsPayment, pay_with_points
from app.domain.loyalty.grading import grade
from app.domain.loyalty.points_settings import Phase
from app.domain.loyalty.settlement import LineInput, Settlement, settle_purchase
from app.domain.money import ZERO
from app.models.base import new_id
from app.models.integration.webhooks import EventType
from app.models.loyalty.customers import CustomerRecord
from app.models.loyalty.ledger import EntryKind
from app.models.loyalty.purchases import (
    QuotePublic,
    RefundPublic,
    TransactionCreate,
    TransactionLinePublic,
    TransactionPage,
    TransactionPublic,
)
from app.repositories.crm import seen
from app.repositories.loyalty import hot as hot_repo
from app.repositories.loyalty import purchases as purchases_repo
from app.repositories.sync import ChangedSince
from app.services.finance.expiry import due_points, expire_locked
from app.services.finance.liability import acts_on
from app.services.integration.api_keys import Principal
from app.services.integration.events import emit, subscribed_at
from app.services.loyalty.access import seen_purchase
from app.services.loyalty.ledger import (
    Applied,
    Movement,
    Planned,
    apply_movement,
    movement_events,
    plan_movement,
)
from app.services.loyalty.points import check_balance, get_member
from app.services.loyalty.refund_reads import refunds_of
from app.services.loyalty.rules import Rules, cached_rules
from app.services.loyalty.stores import require_store
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


def _line_inputs(rules: Rules, body: TransactionCreate) -> list[LineInput]:
    """Lines for the domain: each with its service type's weight, and its average margin if none given."""
    types = rules.service_types
    problems = [
        FieldProblem(f"lines[{i}].service_type", f"unknown service type {ln.service_type!r}")
        if ln.service_type not in types
        else FieldProblem(f"lines[{i}].service_type", f"service type {ln.service_type!r} is retired")
        for i, ln in enumerate(body.lines)
        if ln.service_type not in types or not types[ln.service_type].active
    ]
    if problems:
        raise InvalidInput("unknown or retired service type", errors=problems)
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


async def quote_purchase(
    session: AsyncSession, principal: Principal, body: TransactionCreate, now: datetime
) -> QuotePublic:
    """What posting would give now (rebate, payable, points, tier after), with nothing saved."""
    principal.check_store(body.store_id)
    await require_store(session, body.store_id)
    member, rules = await _member(session, principal, body.customer_id, for_update=False)
    inputs = _line_inputs(rules, body)
    s = _settle(member, rules, inputs)
    lifetime = member.lifetime_points + s.points
    rows = _line_rows("", body, s)
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
        balance=member.balance + s.points - payment.points,
        lifetime_points=lifetime,
        redeemed_points=payment.points,
        redeemed_value=payment.value,
        to_pay=payment.to_pay,
        lines=[TransactionLinePublic.model_validate(r) for r in rows],
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
    s, payment = _sale(member, rules, body)
    if body.redeem_points:  # checked against the balance before the purchase (points.md)
        member = await expire_locked(session, member, rules.ladder, now)
        check_balance(member, body.redeem_points, "redeem_points")
    purchase_id = new_id("txn")
    applied: list[Applied] = []
    held = member
    for move in _movements(principal, body, member, rules, s, purchase_id, now):
        applied.append(await apply_movement(session, held, move, rules.ladder, now))
        held = applied[-1].member
    redeemed = await _redeem(session, principal, body, applied[-1], payment, rules, purchase_id, now)
    purchase = _purchase_row(body, member, s, payment, applied, redeemed, purchase_id, now)
    lines = _line_rows(purchase_id, body, s)
    if not await purchases_repo.insert_purchase(session, purchase, lines):
        existing = await purchases_repo.find_receipt(session, body.store_id, body.external_id)
        raise DuplicateReceipt(  # rolls back the member's totals and the ledger entry written above
            f"receipt {body.external_id} of store {body.store_id} was already posted",
            extra={"existing_id": existing or ""},
        )
    posted = _public(purchase, lines, [])
    await emit(session, EventType.transaction_posted, _event_data(posted), now)
    return posted


def _sale(member: CustomerRecord, rules: Rules, body: TransactionCreate) -> tuple[Settlement, PointsPayment]:
    """The purchase settled for the member, and what its points pay."""
    s = _settle(member, rules, _line_inputs(rules, body))
    return s, pay_with_points(body.redeem_points or ZERO, rules.settings.point_value, s.payable)


def _movements(
    principal: Principal,
    body: TransactionCreate,
    member: CustomerRecord,
    rules: Rules,
    s: Settlement,
    purchase_id: str,
    now: datetime,
) -> list[Movement]:
    """The ledger movements a purchase earns, in order: its `earn` entry first."""
    member_changes: dict[str, object] = {"purchase_count": member.purchase_count + 1}
    occurred_at = _occurred(body, now)
    if member.last_purchase_at is None or occurred_at > member.last_purchase_at:
        member_changes["last_purchase_at"] = occurred_at
    if member.phase == Phase.development:
        member_changes["phase"] = Phase.maintenance.value
    earn = Movement(
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
        store_id=body.store_id,
        receipt_ref=body.external_id,
        expires_at=expiry_date(now, rules.settings.points_expiry_months),
    )
    return [earn]


def _occurred(body: TransactionCreate, now: datetime) -> datetime:
    return (body.occurred_at or now).astimezone(UTC)


def _purchase_row(
    body: TransactionCreate,
    member: CustomerRecord,
    s: Settlement,
    payment: PointsPayment,
    applied: Sequence[Applied],
    redeemed: Applied | None,
    purchase_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The purchase's row: `applied` are its earning movements (earn first), `redeemed` its payment."""
    last = applied[-1]
    return {
        "id": purchase_id,
        "customer_id": member.id,
        "store_id": body.store_id,
        "external_id": body.external_id,
        "occurred_at": _occurred(body, now),
        "created_at": now,
        "updated_at": now,
        "phase": member.phase,
        "x": s.x,
        "rebate_rate": s.rebate_rate,
        "tier_before": applied[0].tier_before,
        "tier_after": last.tier_after,
        "amount": s.payable + s.rebate,
        "rebate": s.rebate,
        "payable": s.payable,
        "profit_points": s.profit_points,
        "consumption_points": s.consumption_points,
        "points": s.points,
        "balance_after": redeemed.balance if redeemed else last.balance,
        "lifetime_after": last.lifetime_points,
        "refunded_amount": 0,
        "reversed_points": 0,
        "earn_entry_id": applied[0].entry_id,
        "redeemed_points": payment.points,
        "redeemed_value": payment.value,
        "redeem_entry_id": redeemed.entry_id if redeemed else None,
    }


async def post_purchase_raw(
    conn: asyncpg.Connection,
    database: str,
    principal: Principal,
    body: TransactionCreate,
    now: datetime,
    idempotency: tuple[str, str] | None,
) -> dict[str, Any] | None:
    """`post_purchase` on a raw connection, for the hot path (exists only for speed), as JSON.

    The same figures and rows through the same domain code, written by one statement
    (`hot.write_posting`). None, with nothing written, when the ordinary path must post it:
    points paid with (`redeem_points`: expiry first), rules or webhook subscriptions this
    worker does not hold at the versions read, an Idempotency-Key already taken (its replay),
    a liability band or tier alert to raise, or a lost lock race. `idempotency` is the key
    and the request's fingerprint.
    """
    if body.redeem_points:
        return None
    principal.check_store(body.store_id)
    try:
        async with hot_repo.posting(conn) as commit:
            locked = await hot_repo.lock_member(conn, body.customer_id, body.store_id)
            if locked.store_active is None:
                raise InvalidInput.at("store_id", f"no store {body.store_id}; create it with POST /v1/stores")
            if not locked.store_active:
                raise InvalidInput.at("store_id", f"store {body.store_id} is inactive")
            member = locked.member
            if member is None or (principal.rep is not None and member.sales_rep != principal.rep):
                raise InvalidInput.at("customer_id", f"no member {body.customer_id}")
            rules = cached_rules(database, locked.catalogue_version)
            subscribed = subscribed_at(locked.webhook_version)
            if rules is None or subscribed is None:
                return None
            s, payment = _sale(member, rules, body)
            purchase_id = new_id("txn")
            planned: list[Planned] = []
            held = member
            for move in _movements(principal, body, member, rules, s, purchase_id, now):
                planned.append(plan_movement(held, move, rules.ladder, now))
                held = planned[-1].applied.member
            applied = [p.applied for p in planned]
            purchase = _purchase_row(body, member, s, payment, applied, None, purchase_id, now)
            lines = _line_rows(purchase_id, body, s)
            data = _public(purchase, lines, []).model_dump(mode="json")
            events = [
                (event_type, event)
                for a in applied
                for event_type, event in movement_events(member.id, a.entry)
            ]
            events.append((EventType.transaction_posted, {k: v for k, v in data.items() if k != "refunds"}))
            written = await hot_repo.write_posting(
                conn,
                hot_repo.Posting(
                    customer_id=member.id,
                    member_changes={k: v for p in planned for k, v in p.changes.items()},
                    stripe=stripe_of(member.id),
                    delta=delta(member.balance, held.balance),
                    entries=[a.entry for a in applied],
                    lots=[p.lot for p in planned if p.lot is not None],
                    purchase=purchase,
                    lines=lines,
                    events=[
                        {"id": new_id("msg"), "type": t.value, "data": d, "created_at": now}
                        for t, d in events
                        if t.value in subscribed
                    ],
                    idempotency=_record(principal, idempotency, data, now),
                ),
            )
            if not written.idempotency_recorded:
                return None  # the ordinary path replays it (or refuses another body)
            if not written.purchase_inserted:
                existing = await hot_repo.find_receipt(conn, body.store_id, body.external_id)
                raise DuplicateReceipt(
                    f"receipt {body.external_id} of store {body.store_id} was already posted",
                    extra={"existing_id": existing or ""},
                )
            if acts_on(written.observed, any(a.tier_before != a.tier_after for a in applied)):
                return None  # alerts and settlements are raised by the ordinary path
            await commit()
            return data
    except hot_repo.Contention:
        return None  # the ordinary path retries


def _record(
    principal: Principal, idempotency: tuple[str, str] | None, data: dict[str, Any], now: datetime
) -> dict[str, Any] | None:
    """The Idempotency-Key's record, complete with the response (as `run_idempotent` stores it)."""
    if idempotency is None:
        return None
    key, request_hash = idempotency
    return {
        "api_key_id": principal.key_id,
        "key": key,
        "request_hash": request_hash,
        "status_code": 201,
        "body": orjson.dumps(data).decode(),
        "created_at": now,
    }


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


def _public(
    p: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], refunds: Sequence[RefundPublic]
) -> TransactionPublic:
    """The response for a purchase, from its row (or the values just inserted), lines and refunds."""
    return TransactionPublic.model_validate(
        {
            **p,
            "balance": p["balance_after"],
            "lifetime_points": p["lifetime_after"],
            "to_pay": p["payable"] - p["redeemed_value"],
            "lines": lines,
            "refunds": refunds,
        }
    )


async def get_transaction(
    session: AsyncSession, principal: Principal, transaction_id: str
) -> TransactionPublic:
    purchase = await seen_purchase(session, principal, transaction_id)
    lines = await purchases_repo.lines_of(session, [purchase.id])
    refunds = await refunds_of(session, [purchase.id])
    return _public(
        purchase.model_dump(), [ln.model_dump() for ln in lines[purchase.id]], refunds[purchase.id]
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
    items = [_public(p.model_dump(), [ln.model_dump() for ln in lines[p.id]], refunds[p.id]) for p in page]
    next_cursor = None
    if len(found) > limit:
        last = page[-1]
        next_cursor = sync_cursor(last.updated_at, last.id) if changed else encode_cursor(last.id)
    return TransactionPage(items=items, next_cursor=next_cursor)
