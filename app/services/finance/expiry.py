"""Expiry of points (points.md "Expiry"): `expire` entries that take what is left of a lot.

Off unless `points_expiry_months` is set; a lot's date is fixed when it is earned. The run
(`crm points expire`, and the worker) visits members in batches, each batch its own
transaction: killed midway it resumes where it stopped, and a lot already expired has
nothing left, so running it again writes nothing (idempotent). Each member's row is locked
first, like any other movement. Redemptions expire the member's due lots before checking
the balance, so points past their date never pay for anything even before the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.loyalty.grading import TierRule
from app.models.loyalty.customers import CustomerRecord
from app.models.loyalty.ledger import EntryKind
from app.repositories.finance import lots as lots_repo
from app.repositories.loyalty import customers as customers_repo
from app.services.loyalty.ledger import Movement, apply_movement
from app.services.loyalty.rules import hold_rules

BATCH = 100
ZERO = Decimal("0.00")


async def expire_locked(
    session: AsyncSession, member: CustomerRecord, ladder: Sequence[TierRule], now: datetime
) -> CustomerRecord:
    """Expire the locked member's lots past their date; the member as it is afterwards."""
    due = [
        lot
        for lot in await lots_repo.open_lots(session, member.id)
        if lot.expires_at is not None and lot.expires_at <= now
    ]
    for lot in due:
        move = Movement(
            EntryKind.expire,
            -lot.remaining,
            False,
            reason=f"lot {lot.id} expired on {lot.expires_at:%Y-%m-%d}",
            lot_id=lot.id,
            track_lots=False,
        )
        member = (await apply_movement(session, member, move, ladder, now)).member
        await lots_repo.set_values(
            session, lot.id, {"remaining": ZERO, "expired": lot.expired + lot.remaining}
        )
    return member


async def due_points(session: AsyncSession, customer_id: str, now: datetime) -> Decimal:
    """Points still on the member's lots past their date (what a quote cannot count on)."""
    lots = await lots_repo.open_lots(session, customer_id)
    return sum((lot.remaining for lot in lots if lot.expires_at is not None and lot.expires_at <= now), ZERO)


async def expire_due_points(session: AsyncSession, now: datetime, limit: int = BATCH) -> int:
    """One batch of the expiry run: up to `limit` members; the number of members visited.

    The one entry point for the worker and `crm points expire` (call until it returns 0).
    """
    rules = await hold_rules(session)  # members are re-graded with the table in force until commit
    visited = 0
    for customer_id in await lots_repo.members_with_due_lots(session, now, limit):
        member = await customers_repo.get(session, customer_id, for_update=True, include_deleted=True)
        if member is None:
            continue
        await expire_locked(session, member, rules.ladder, now)
        visited += 1
    return visited


async def next_expiry(session: AsyncSession, customer_id: str) -> tuple[datetime, Decimal] | None:
    """The member's next expiry date and the points left on the lots expiring then."""
    dated = [lot for lot in await lots_repo.open_lots(session, customer_id) if lot.expires_at is not None]
    if not dated:
        return None
    first = min(lot.expires_at for lot in dated if lot.expires_at is not None)
    return first, sum((lot.remaining for lot in dated if lot.expires_at == first), ZERO)
