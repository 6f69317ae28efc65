"""Executing a settlement run, one member per transaction, so it can stop anywhere and resume.

Each step locks the member's row like any movement, reads the balance at that moment (not
the preview's), and writes the `settle` ledger entry, the voucher and the run's item in one
transaction. The item is unique per (run, member): a resumed run, or a second worker that
took over an expired lease, can never pay a member twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import Conflict
from app.domain.finance.liability import money
from app.domain.finance.settlements import above_target, settleable
from app.models.base import new_id
from app.models.finance.alerts import AlertKind, CauseType, Severity
from app.models.finance.settlements import SettlementStatus
from app.models.finance.vouchers import VoucherStatus
from app.models.integration.webhooks import EventType
from app.models.loyalty.ledger import EntryKind
from app.repositories.finance import liability as liability_repo
from app.repositories.finance import settlements as repo
from app.repositories.finance import vouchers as vouchers_repo
from app.services.finance.alerts import AlertCause, raise_alert
from app.services.finance.settlements import audit, settle_min_balance
from app.services.integration.events import emit
from app.services.loyalty.ledger import Movement, apply_movement
from app.services.loyalty.points import get_member
from app.services.loyalty.rules import load_rules

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class Run:
    """What a run works with, fixed when it starts: the target, point value and minimum."""

    id: str
    target: Decimal
    point_value: Decimal
    min_balance: Decimal


def voucher_code() -> str:
    """12 random Crockford characters after a `V`: about 60 bits, unguessable at a POS."""
    return "V" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))


async def start_run(session: AsyncSession, settlement_id: str, now: datetime) -> Run | None:
    """Mark the run started, fixing its target, point value and minimum (or resume it as it was).

    None when there is nothing to do: the run is completed (or unknown).
    """
    found = await repo.get(session, settlement_id, for_update=True)
    if found is None or found.status == SettlementStatus.completed:
        return None
    target, point_value, min_balance = found.target, found.point_value, found.min_balance
    if (
        found.status == SettlementStatus.running
        and target is not None
        and point_value is not None
        and min_balance is not None
    ):
        await audit(session, settlement_id, "resumed", {}, now)
        return Run(found.id, target, point_value, min_balance)
    settings = (await load_rules(session)).settings
    run = Run(
        found.id,
        found.target if found.target is not None else settings.liability_target,
        settings.point_value,
        await settle_min_balance(session),
    )
    before = money((await liability_repo.totals(session)).positive_points, run.point_value)
    values = {
        "status": SettlementStatus.running.value,
        "started_at": now,
        "target": run.target,
        "point_value": run.point_value,
        "min_balance": run.min_balance,
        "liability_before": before,
    }
    await repo.update_fields(session, settlement_id, values)
    detail = {
        "liability": f"{before:.2f}",
        "target": f"{run.target:.2f}",
        "min_balance": f"{run.min_balance:.2f}",
    }
    await audit(session, settlement_id, "started", detail, now)
    return run


async def settle_next(session: AsyncSession, run: Run, now: datetime) -> bool:
    """Settle the largest remaining balance; False when the liability is at target or nobody is left."""
    points = (await liability_repo.totals(session)).positive_points
    if not above_target(points, run.point_value, run.target):
        return False
    candidates = await repo.holders(session, run.min_balance, 1, not_in_settlement=run.id)
    if not candidates:
        return False
    member, rules = await get_member(session, candidates[0].customer_id, for_update=True)
    balance = member.balance  # at settling time, under the lock
    if not settleable(balance, run.min_balance):
        await audit(session, run.id, "skipped", {"customer_id": member.id, "balance": f"{balance:.2f}"}, now)
        return True
    code = voucher_code()
    amount = money(balance, run.point_value)
    move = Movement(EntryKind.settle, -balance, False, reason=f"settlement {run.id}: voucher {code}")
    applied = await apply_movement(session, member, move, rules.ladder, now)
    await vouchers_repo.insert(
        session,
        {
            "code": code,
            "customer_id": member.id,
            "settlement_id": run.id,
            "amount": amount,
            "status": VoucherStatus.issued.value,
            "issued_at": now,
        },
    )
    position = (await repo.summary(session, run.id)).last_position + 1
    item = {
        "id": new_id("sti"),
        "settlement_id": run.id,
        "position": position,
        "customer_id": member.id,
        "points": balance,
        "amount": amount,
        "ledger_entry_id": applied.entry_id,
        "voucher_code": code,
        "created_at": now,
    }
    if not await repo.insert_item(session, item):  # rolls the entry and voucher back with it
        raise Conflict(f"member {member.id} is already settled by run {run.id}")
    detail = {
        "customer_id": member.id,
        "points": f"{balance:.2f}",
        "amount": f"{amount:.2f}",
        "voucher": code,
    }
    await audit(session, run.id, "settled", detail, now)
    return True


async def finish_run(session: AsyncSession, run: Run, now: datetime) -> None:
    """Totals from the items, the liability after, and a `settlement.completed` alert."""
    done = await repo.summary(session, run.id)
    points = (await liability_repo.totals(session)).positive_points
    after = money(points, run.point_value)
    values = {
        "status": SettlementStatus.completed.value,
        "completed_at": now,
        "members": done.members,
        "points": done.points,
        "amount": done.amount,
        "liability_after": after,
    }
    await repo.update_fields(session, run.id, values)
    numbers = {
        "members": str(done.members),
        "points": f"{done.points:.2f}",
        "amount": f"{done.amount:.2f}",
        "liability_after": f"{after:.2f}",
        "target": f"{run.target:.2f}",
    }
    await audit(session, run.id, "completed", numbers, now)
    await raise_alert(
        session,
        AlertKind.settlement_completed,
        Severity.info,
        AlertCause(CauseType.settlement, run.id),
        numbers,
        f"settlement.completed:{run.id}",
        now=now,
        message=f"settlement {run.id} paid {done.members} members {numbers['amount']}",
    )
    await emit(session, EventType.settlement_completed, {"settlement_id": run.id, **numbers}, now)
