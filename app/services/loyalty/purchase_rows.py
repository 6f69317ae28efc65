"""Rows and views of a purchase, built the same way by both posting paths (no I/O): the
settlement of its lines, what it changes on the member, its ledger movements, its row and
its public view."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from app.domain.errors import FieldProblem, InvalidInput
from app.domain.finance.expiry import expiry_date
from app.domain.finance.points_payment import PointsPayment, pay_with_points
from app.domain.loyalty.grading import grade
from app.domain.loyalty.points_settings import Phase
from app.domain.loyalty.settlement import LineInput, Settlement, settle_purchase
from app.domain.marketing.campaign_incentives import CampaignExtra
from app.domain.money import ZERO
from app.models.loyalty.customers import CustomerRecord
from app.models.loyalty.ledger import EntryKind
from app.models.loyalty.purchases import (
    CampaignExtraPublic,
    RefundPublic,
    TransactionCreate,
    TransactionPublic,
)
from app.services.integration.api_keys import Principal
from app.services.loyalty.ledger import (
    Applied,
    Movement,
)
from app.services.loyalty.rules import Rules


def line_inputs(rules: Rules, body: TransactionCreate) -> list[LineInput]:
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


def settle(member: CustomerRecord, rules: Rules, inputs: Sequence[LineInput]) -> Settlement:
    """Settle at the rebate of the tier held before the purchase, with the X of the member's phase."""
    held = grade(rules.ladder, member.lifetime_points)
    return settle_purchase(inputs, rules.settings.x_for(Phase(member.phase)), held.rebate_rate)


def line_rows(purchase_id: str, body: TransactionCreate, settlement: Settlement) -> list[dict[str, object]]:
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


def sale(member: CustomerRecord, rules: Rules, body: TransactionCreate) -> tuple[Settlement, PointsPayment]:
    """The purchase settled for the member, and what its points pay."""
    s = settle(member, rules, line_inputs(rules, body))
    return s, pay_with_points(body.redeem_points or ZERO, rules.settings.point_value, s.payable)


def member_changes(body: TransactionCreate, member: CustomerRecord, now: datetime) -> dict[str, Any]:
    """What a purchase changes on its member besides the points: count, last purchase, phase."""
    changes: dict[str, Any] = {"purchase_count": member.purchase_count + 1}
    occurred_at = occurred(body, now)
    if member.last_purchase_at is None or occurred_at > member.last_purchase_at:
        changes["last_purchase_at"] = occurred_at
    if member.phase == Phase.development:
        changes["phase"] = Phase.maintenance.value
    return changes


def movements(
    principal: Principal,
    body: TransactionCreate,
    rules: Rules,
    s: Settlement,
    purchase_id: str,
    member_changes: dict[str, Any],
    now: datetime,
) -> list[Movement]:
    """The ledger movements a purchase earns, in order: its `earn` entry first (a campaign's
    bonus follows it, written by `campaign_posting`)."""
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


def occurred(body: TransactionCreate, now: datetime) -> datetime:
    return (body.occurred_at or now).astimezone(UTC)


def purchase_row(
    body: TransactionCreate,
    member: CustomerRecord,
    s: Settlement,
    payment: PointsPayment,
    earned: Applied,
    final: Applied,
    redeemed: Applied | None,
    purchase_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The purchase's row: `earned` is its `earn` movement, `final` the last of its movements
    (a payment with points, a campaign bonus), `redeemed` its payment."""
    return {
        "id": purchase_id,
        "customer_id": member.id,
        "store_id": body.store_id,
        "external_id": body.external_id,
        "occurred_at": occurred(body, now),
        "created_at": now,
        "updated_at": now,
        "phase": member.phase,
        "x": s.x,
        "rebate_rate": s.rebate_rate,
        "tier_before": earned.tier_before,
        "tier_after": final.tier_after,
        "amount": s.payable + s.rebate,
        "rebate": s.rebate,
        "payable": s.payable,
        "profit_points": s.profit_points,
        "consumption_points": s.consumption_points,
        "points": s.points,
        "balance_after": final.balance,
        "lifetime_after": final.lifetime_points,
        "refunded_amount": 0,
        "reversed_points": 0,
        "earn_entry_id": earned.entry_id,
        "redeemed_points": payment.points,
        "redeemed_value": payment.value,
        "redeem_entry_id": redeemed.entry_id if redeemed else None,
    }


def public(
    p: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    refunds: Sequence[RefundPublic],
    campaigns: Sequence[CampaignExtra] = (),
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
            "campaign_bonus_points": sum((c.bonus_points for c in campaigns), ZERO),
            "campaigns": [CampaignExtraPublic.model_validate(c, from_attributes=True) for c in campaigns],
        }
    )
