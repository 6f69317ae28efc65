"""Points lots: every positive movement is a lot; negative movements consume them oldest first.

`apply_movement` opens a lot (`lot_row`) or consumes lots for every entry it writes (unless
the movement opts out, as refunds and expiry do, which consume lots their own way), so
redemptions, settlements and negative adjustments all consume the oldest unexpired lots
without further calls.
Invariant, checked by tests: the lots' remaining points add up to max(0, balance).
The member's row is locked by the caller, as for every balance change.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.finance.expiry import OpenLot, consumption_order, new_lot_remaining, refund_split, take
from app.models.loyalty.ledger import EntryKind
from app.repositories.finance import lots as repo

ZERO = Decimal("0.00")


def lot_row(
    *,
    entry_id: str,
    customer_id: str,
    kind: EntryKind,
    points: Decimal,
    balance_after: Decimal,
    created_at: datetime,
    expires_at: datetime | None,
    purchase_id: str | None,
) -> dict[str, Any]:
    """The lot a positive movement opens (only what is not filling a negative balance)."""
    return {
        "id": entry_id,
        "customer_id": customer_id,
        "kind": kind.value,
        "purchase_id": purchase_id,
        "created_at": created_at,
        "expires_at": expires_at,
        "points": points,
        "remaining": new_lot_remaining(points, balance_after),
        "expired": ZERO,
        "expiry_absorbed": ZERO,
    }


async def add(session: AsyncSession, lot: dict[str, Any]) -> None:
    await repo.add(session, lot)


async def consume_lots(
    session: AsyncSession, customer_id: str, points: Decimal, now: datetime, *, first: str | None = None
) -> list[tuple[str, Decimal]]:
    """Take `points` from the member's lots, oldest unexpired first (`first` before all);
    returns what each lot gave. Called by `track` for every negative movement."""
    if points <= 0:
        return []
    found = await repo.open_lots(session, customer_id)
    ordered = consumption_order([OpenLot(lot.id, lot.remaining, lot.expires_at) for lot in found], now, first)
    plan = take(ordered, points)
    left = {lot.id: lot.remaining for lot in found}
    for lot_id, part in plan:
        await repo.set_values(session, lot_id, {"remaining": left[lot_id] - part})
    return plan


async def refund_lot(
    session: AsyncSession,
    *,
    customer_id: str,
    lot_id: str,
    reversed_points: Decimal,
    balance_before: Decimal,
    now: datetime,
) -> Decimal:
    """Lots for a refund reversing `reversed_points` of the purchase whose lot is `lot_id`:
    the part already expired is not taken twice (returned as absorbed); the rest is taken
    from the purchase's own lot first, then the oldest."""
    lot = await repo.get(session, lot_id)
    absorb = ZERO
    if lot is not None:
        take_points, absorb = refund_split(reversed_points, lot.expired, lot.expiry_absorbed)
        if absorb:
            await repo.set_values(session, lot_id, {"expiry_absorbed": lot.expiry_absorbed + absorb})
    else:
        take_points = reversed_points
    await consume_lots(session, customer_id, min(take_points, max(ZERO, balance_before)), now, first=lot_id)
    return absorb


async def lots_drift(session: AsyncSession) -> list[str]:
    """For `crm verify`: each member whose lots do not add up to max(0, balance)."""
    return [
        f"member {member}: lots hold {lots:.2f}, balance {balance:.2f}"
        for member, balance, lots in await repo.drift(session)
    ]
