"""The one way a member's points change: a ledger entry and its running totals, together.

Callers hold the member's row lock (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's
`BEGIN IMMEDIATE` holds the database write lock), so the totals are computed from the
locked row and written as absolute values in the same transaction as the entry. The
unique `(customer_id, entry_no)` refuses any write that skipped the lock. The liability's
striped running totals move in the same transaction (`services.finance.liability`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.loyalty.grading import TierRule, grade
from app.domain.money import ZERO
from app.models.base import new_id
from app.models.integration.webhooks import EventType
from app.models.loyalty.customers import CustomerRecord
from app.models.loyalty.ledger import EntryKind
from app.repositories.loyalty import customers as customers_repo
from app.repositories.loyalty import ledger as ledger_repo
from app.services.finance import lots
from app.services.finance.liability import on_movement
from app.services.integration.events import emit


@dataclass(frozen=True)
class Movement:
    kind: EntryKind
    points: Decimal
    counts_toward_tier: bool
    profit_points: Decimal = ZERO
    consumption_points: Decimal = ZERO
    x: Decimal | None = None
    rebate: Decimal | None = None
    transaction_id: str | None = None
    refund_id: str | None = None
    reverses_id: str | None = None
    reason: str | None = None
    api_key_id: str | None = None
    member_changes: dict[str, Any] = field(default_factory=dict)
    store_id: str | None = None
    receipt_ref: str | None = None
    lot_id: str | None = None
    # Points lots (finance expiry): a positive movement opens a lot expiring then (None: never);
    # a negative one consumes the oldest. Refunds and expiry keep their lots themselves.
    expires_at: datetime | None = None
    track_lots: bool = True
    campaign_id: str | None = None


_POINTS_EVENTS = {
    EntryKind.redeem: EventType.points_redeemed,
    EntryKind.adjust: EventType.points_adjusted,
    EntryKind.bonus: EventType.points_adjusted,
}


def movement_events(member_id: str, entry: dict[str, Any]) -> list[tuple[EventType, dict[str, Any]]]:
    """`points.redeemed` / `points.adjusted` and `tier.changed` of one entry, as JSON data."""
    found: list[tuple[EventType, dict[str, Any]]] = []
    points_event = _POINTS_EVENTS.get(EntryKind(entry["kind"]))
    data = {
        "customer_id": member_id,
        "entry_id": entry["id"],
        "kind": entry["kind"],
        "points": f"{entry['points']:.2f}",
        "balance_after": f"{entry['balance_after']:.2f}",
        "lifetime_after": f"{entry['lifetime_after']:.2f}",
        "tier": entry["tier_after"],
    }
    if points_event is not None:
        found.append((points_event, data))
    if entry["tier_before"] != entry["tier_after"]:
        changed = {**data, "tier_before": entry["tier_before"], "tier_after": entry["tier_after"]}
        found.append((EventType.tier_changed, changed))
    return found


@dataclass(frozen=True)
class Applied:
    entry_id: str
    entry: dict[str, Any]
    balance: Decimal
    lifetime_points: Decimal
    tier_before: str
    tier_after: str
    member: CustomerRecord  # the member's row as written, for a further movement in the same call


@dataclass(frozen=True)
class Planned:
    """One movement computed for the locked member, before anything is written."""

    applied: Applied
    changes: dict[str, Any]  # the member's columns as they are after it
    balance_before: Decimal
    lot: dict[str, Any] | None  # the lot a positive movement opens (None: none, or kept elsewhere)


def plan_movement(
    member: CustomerRecord, move: Movement, ladder: Sequence[TierRule], now: datetime
) -> Planned:
    """What `move` writes for `member`: its totals, its entry and, if positive, its lot (pure)."""
    balance = member.balance + move.points
    lifetime = member.lifetime_points + (move.points if move.counts_toward_tier else ZERO)
    tier_after = grade(ladder, lifetime).code
    entry_no = member.ledger_seq + 1
    changes = {
        "balance": balance,
        "lifetime_points": lifetime,
        "lifetime_profit_points": member.lifetime_profit_points + move.profit_points,
        "lifetime_consumption_points": member.lifetime_consumption_points + move.consumption_points,
        "tier": tier_after,
        "ledger_seq": entry_no,
        "updated_at": now,
        **move.member_changes,
    }
    entry_id = new_id("led")
    entry = {
        "id": entry_id,
        "customer_id": member.id,
        "entry_no": entry_no,
        "kind": move.kind.value,
        "points": move.points,
        "balance_after": balance,
        "lifetime_after": lifetime,
        "counts_toward_tier": move.counts_toward_tier,
        "profit_points": move.profit_points,
        "consumption_points": move.consumption_points,
        "x": move.x,
        "rebate": move.rebate,
        "tier_before": member.tier,
        "tier_after": tier_after,
        "transaction_id": move.transaction_id,
        "refund_id": move.refund_id,
        "reverses_id": move.reverses_id,
        "reason": move.reason,
        "api_key_id": move.api_key_id,
        "created_at": now,
        "store_id": move.store_id,
        "receipt_ref": move.receipt_ref,
        "lot_id": move.lot_id,
        "campaign_id": move.campaign_id,
    }
    lot = None
    if move.track_lots and move.points > 0:
        lot = lots.lot_row(
            entry_id=entry_id,
            customer_id=member.id,
            kind=move.kind,
            points=move.points,
            balance_after=balance,
            created_at=now,
            expires_at=move.expires_at,
            purchase_id=move.transaction_id,
        )
    after = member.model_copy(update=changes)
    applied = Applied(entry_id, entry, balance, lifetime, member.tier, tier_after, after)
    return Planned(applied, changes, member.balance, lot)


async def apply_movement(
    session: AsyncSession, member: CustomerRecord, move: Movement, ladder: Sequence[TierRule], now: datetime
) -> Applied:
    """Write `move` for the locked `member`: its totals first (row already ours), then the entry."""
    planned = plan_movement(member, move, ladder, now)
    applied = planned.applied
    await customers_repo.update_fields(session, member.id, planned.changes)
    await on_movement(
        session,
        member.id,
        member.balance,
        applied.balance,
        member.tier,
        applied.tier_after,
        move.transaction_id,
        now,
    )
    await ledger_repo.append(session, applied.entry)
    if planned.lot is not None:
        await lots.add(session, planned.lot)
    elif move.track_lots and move.points < 0:
        await lots.consume_lots(session, member.id, min(-move.points, max(ZERO, member.balance)), now)
    for event_type, data in movement_events(member.id, applied.entry):
        await emit(session, event_type, data, now)
    return applied
