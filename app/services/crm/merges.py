"""Merging duplicate members, and undoing a merge within the window.

A merge re-parents everything of the duplicate to the survivor (`repositories.crm.merges.MOVED`),
its ledger entries renumbered after the survivor's, then re-adds the survivor's totals from
its ledger and purchases, re-grades it and writes a zero-point `merge` entry saying so. The
duplicate is left soft-deleted with zero totals and `merged_into` set.

Concurrency: like every balance change, the rules are held shared first, then both members'
rows are locked, always in id order, then their liability stripes in stripe order, so two
merges (or a merge and purchases) naming the same members queue instead of deadlocking; a
purchase queued on the duplicate finds it deleted (422: no such member).
Undo takes the same locks and gives the duplicate back exactly the rows that moved; it is
refused when something that moved has changed since (a moved lot spent or expired, a moved
purchase refunded), since the ledgers could then no longer be separated exactly.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.errors import MemberErased, MergeAlreadyUndone, MergeNotReversible, MergeWindowClosed
from app.domain.crm.merges import netted, undo_open
from app.domain.errors import InvalidInput, NotFound
from app.domain.finance.liability import delta, stripe_of
from app.domain.loyalty.grading import grade
from app.domain.money import ZERO
from app.models.base import new_id
from app.models.crm.merges import MemberMerge, MergeCreate, MergePublic
from app.models.loyalty.customers import CustomerRecord
from app.models.loyalty.ledger import EntryKind
from app.repositories.crm import merges as repo
from app.repositories.finance import liability as liability_repo
from app.repositories.finance import lots as lots_repo
from app.repositories.finance import verify as figures_repo
from app.repositories.finance.verify import Figures
from app.repositories.loyalty import customers as customers_repo
from app.services import audit
from app.services.finance import lots
from app.services.finance.liability import on_movement
from app.services.integration.api_keys import Principal
from app.services.loyalty.access import check_changes, sees_member
from app.services.loyalty.customers import refuse_taken_identity
from app.services.loyalty.ledger import Movement, apply_movement
from app.services.loyalty.points import get_member
from app.services.loyalty.rules import Rules
from app.services.marketing import analysis

_TOTALS = ("balance", "lifetime_points", "lifetime_profit_points", "lifetime_consumption_points")


async def _lock_pair(
    session: AsyncSession, ids: tuple[str, str], *, include_deleted: bool
) -> tuple[dict[str, CustomerRecord | None], Rules]:
    """Both members locked in id order (None: missing), and the rules held shared."""
    found: dict[str, CustomerRecord | None] = {}
    rules: Rules | None = None
    for customer_id in sorted(ids):
        try:
            found[customer_id], rules = await get_member(
                session, customer_id, for_update=True, include_deleted=include_deleted
            )
        except NotFound:
            found[customer_id] = None
    if rules is None:
        raise NotFound(f"no member {ids[0]}")
    return found, rules


async def _hold_stripes(session: AsyncSession, *customer_ids: str) -> None:
    """Take the members' liability stripes in stripe order (a zero change locks the row), so two
    merges moving points across the same stripes never wait on each other crosswise."""
    for stripe in sorted({stripe_of(c) for c in customer_ids}):
        await liability_repo.record(session, stripe, delta(ZERO, ZERO))


async def _refigure(
    session: AsyncSession,
    principal: Principal,
    member: CustomerRecord,
    rules: Rules,
    kind: EntryKind,
    reason: str,
    now: datetime,
) -> CustomerRecord:
    """Re-add the member's totals from its ledger and purchases, re-grade it, and write a
    zero-point entry of `kind` carrying the new totals; the liability stripes follow."""
    found = (await figures_repo.ledger_figures(session, [member.id])).get(member.id)
    explained = found or Figures(ZERO, ZERO, ZERO, ZERO, 0)
    totals = asdict(explained)
    count, last = await repo.purchase_stats(session, member.id)
    tier = grade(rules.ladder, explained.lifetime_points).code
    await on_movement(session, member.id, member.balance, explained.balance, member.tier, tier, None, now)
    move = Movement(
        kind,
        ZERO,
        counts_toward_tier=False,
        reason=reason,
        api_key_id=principal.key_id,
        member_changes={"purchase_count": count, "last_purchase_at": last},
    )
    applied = await apply_movement(session, member.model_copy(update=totals), move, rules.ladder, now)
    await analysis.on_history_changed(session, member.id, rules.version, now)
    return applied.member


def _public(merge: MemberMerge, moved: dict[str, int], window_days: int) -> MergePublic:
    return MergePublic(
        id=merge.id,
        survivor_id=merge.survivor_id,
        duplicate_id=merge.duplicate_id,
        moved=moved,
        netted_points=merge.netted_points,
        created_at=merge.created_at,
        undo_until=merge.created_at + timedelta(days=window_days),
        undone_at=merge.undone_at,
    )


async def merge_members(
    session: AsyncSession,
    principal: Principal,
    survivor_id: str,
    body: MergeCreate,
    now: datetime,
    window_days: int,
) -> MergePublic:
    """Merge `body.duplicate_id` into the survivor; both must be live members the caller may change."""
    duplicate_id = body.duplicate_id
    if duplicate_id == survivor_id:
        raise InvalidInput.at("duplicate_id", "a member cannot be merged into itself")
    found, rules = await _lock_pair(session, (survivor_id, duplicate_id), include_deleted=False)
    survivor, duplicate = found[survivor_id], found[duplicate_id]
    if survivor is None:
        raise NotFound(f"no member {survivor_id}")
    await check_changes(session, principal, survivor)
    if duplicate is None or not await sees_member(session, principal, duplicate):
        raise InvalidInput.at("duplicate_id", f"no member {duplicate_id}")
    await check_changes(session, principal, duplicate)
    merge = MemberMerge(
        id=new_id("mrg"),
        survivor_id=survivor_id,
        duplicate_id=duplicate_id,
        survivor_seq=survivor.ledger_seq,
        duplicate_before=duplicate.model_dump(
            mode="json", include={*_TOTALS, "ledger_seq", "purchase_count", "last_purchase_at", "tier"}
        ),
        netted_points=netted(survivor.balance, duplicate.balance),
        created_at=now,
        api_key_id=principal.key_id,
        user_id=principal.user_id,
    )
    await _hold_stripes(session, survivor_id, duplicate_id)
    await repo.add(session, merge.model_dump())
    moved = await repo.move_to_survivor(session, merge, now)
    plan = await lots.consume_lots(session, survivor_id, merge.netted_points, now)
    await repo.note_lots(session, merge.id, dict(plan))
    await on_movement(
        session, duplicate_id, duplicate.balance, ZERO, duplicate.tier, duplicate.tier, None, now
    )
    emptied = {**dict.fromkeys(_TOTALS, ZERO), "ledger_seq": 0, "purchase_count": 0, "last_purchase_at": None}
    gone = {"deleted_at": now, "merged_into": survivor_id, "updated_at": now}
    await customers_repo.update_fields(session, duplicate_id, {**emptied, **gone})
    await _refigure(
        session, principal, survivor, rules, EntryKind.merge, f"merged {duplicate_id} ({merge.id})", now
    )
    await audit.record(
        session,
        principal,
        "customer",
        survivor_id,
        "merge",
        {"merged_from": None},
        {"merged_from": duplicate_id},
        now,
    )
    await audit.record(
        session,
        principal,
        "customer",
        duplicate_id,
        "merge",
        {"merged_into": None, "deleted_at": None},
        {"merged_into": survivor_id, "deleted_at": now},
        now,
    )
    return _public(merge, moved, window_days)


async def _check_reversible(session: AsyncSession, merge: MemberMerge) -> None:
    if await repo.refunded_since(session, merge.id):
        raise MergeNotReversible("a purchase the merge moved has been refunded since")
    for lot_id, remaining, after, _ in await repo.noted_lots(session, merge.id):
        if remaining != after:
            raise MergeNotReversible(f"points of lot {lot_id} have been spent or expired since the merge")


async def undo_merge(
    session: AsyncSession, principal: Principal, merge_id: str, now: datetime, window_days: int
) -> MergePublic:
    """Give the duplicate back what moved, live again; both members' totals re-added."""
    merge = await repo.get(session, merge_id, for_update=True)
    if merge is None:
        raise NotFound(f"no merge {merge_id}")
    if merge.undone_at is not None:
        raise MergeAlreadyUndone(f"merge {merge_id} was undone at {merge.undone_at.isoformat()}")
    if not undo_open(merge.created_at, now, window_days):
        raise MergeWindowClosed(f"merge {merge_id} is older than {window_days} days")
    pair = (merge.survivor_id, merge.duplicate_id)
    found, rules = await _lock_pair(session, pair, include_deleted=True)
    survivor, duplicate = found[merge.survivor_id], found[merge.duplicate_id]
    assert survivor is not None and duplicate is not None  # foreign keys
    if duplicate.erased_at is not None:
        raise MemberErased(f"member {duplicate.id} was erased; its merge cannot be undone")
    if survivor.deleted_at is not None or duplicate.merged_into != survivor.id:
        raise MergeNotReversible("a member of this merge was deleted, restored or merged again since")
    await _check_reversible(session, merge)
    await refuse_taken_identity(session, duplicate, exclude=(survivor.id,))
    await _hold_stripes(session, *pair)
    for lot_id, _, after, part in await repo.noted_lots(session, merge.id):
        await lots_repo.set_values(session, lot_id, {"remaining": after + part})
    await repo.move_back(session, merge, now)
    await customers_repo.update_fields(
        session, duplicate.id, {"deleted_at": None, "merged_into": None, "updated_at": now}
    )
    reason = f"merge {merge.id} undone"
    await _refigure(session, principal, survivor, rules, EntryKind.unmerge, reason, now)
    await _refigure(session, principal, duplicate, rules, EntryKind.unmerge, reason, now)
    if await lots_repo.drift(session, list(pair)):
        raise MergeNotReversible("the members' points since the merge can no longer be separated exactly")
    await repo.set_values(session, merge.id, {"undone_at": now, "undone_by": principal.key_id})
    await audit.record(
        session,
        principal,
        "customer",
        survivor.id,
        "unmerge",
        {"merged_from": duplicate.id},
        {"merged_from": None},
        now,
    )
    await audit.record(
        session,
        principal,
        "customer",
        duplicate.id,
        "unmerge",
        {"merged_into": survivor.id, "deleted_at": duplicate.deleted_at},
        {"merged_into": None, "deleted_at": None},
        now,
    )
    undone = merge.model_copy(update={"undone_at": now})
    return _public(undone, await repo.moved_counts(session, merge.id), window_days)
