"""Merges: move a duplicate's rows to the survivor (noting each), and move exactly those back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.crm.merges import MemberMerge
from app.repositories import tables

m, i = tables.member_merge, tables.member_merge_item
LOT, NETTED = "points_lot", "points_lot_netted"

#: What follows a member through a merge, by the name its merge items give it. Settlement
#: items stay (a run's record of whom it paid), and so do alerts and member tokens.
MOVED: dict[str, Table] = {
    "ledger_entry": tables.ledger_entry,
    "purchase": tables.purchase,
    "refund": tables.refund,
    LOT: tables.points_lot,
    "voucher": tables.voucher,
    "vehicle": tables.vehicle,
    "maintenance_record": tables.maintenance_record,
    "contact": tables.contact,
    "activity": tables.activity,
    "ticket": tables.ticket,
    "consent_event": tables.consent_event,
}


def _key(table: Table) -> Column[Any]:
    (key,) = table.primary_key.columns
    return key


async def add(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(m).values(**values))


async def get(session: AsyncSession, merge_id: str, *, for_update: bool = False) -> MemberMerge | None:
    query = select(m).where(m.c.id == merge_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return MemberMerge.model_validate(row._mapping) if row else None


async def set_values(session: AsyncSession, merge_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(m).where(m.c.id == merge_id).values(**values))


def _moving(table: Table, customer_id: str, now: datetime) -> dict[str, Any]:
    """A row's new owner; rows that sync by `updated_at` show up as changed."""
    values: dict[str, Any] = {"customer_id": customer_id}
    if "updated_at" in table.c:
        values["updated_at"] = now
    return values


async def move_to_survivor(session: AsyncSession, merge: MemberMerge, now: datetime) -> dict[str, int]:
    """Re-parent every row of the duplicate, noting each one moved; its ledger entry n becomes
    the survivor's entry `survivor_seq + n`. Returns how many rows of each kind moved."""
    merge_id, duplicate_id, survivor_seq = merge.id, merge.duplicate_id, merge.survivor_seq
    moved: dict[str, int] = {}
    for kind, table in MOVED.items():
        values = _moving(table, merge.survivor_id, now)
        if kind == "ledger_entry":
            values["entry_no"] = table.c.entry_no + survivor_seq
        query = update(table).where(table.c.customer_id == duplicate_id).values(**values)
        ids = (await session.execute(query.returning(_key(table)))).scalars().all()
        if ids:
            rows = [{"merge_id": merge_id, "object_type": kind, "object_id": x} for x in ids]
            await session.execute(insert(i), rows)
        moved[kind] = len(ids)
    return moved


async def move_back(session: AsyncSession, merge: MemberMerge, now: datetime) -> None:
    """Give the duplicate back exactly the rows the merge moved, with their entry numbers."""
    for kind, table in MOVED.items():
        values = _moving(table, merge.duplicate_id, now)
        if kind == "ledger_entry":
            values["entry_no"] = table.c.entry_no - merge.survivor_seq
        ids = select(i.c.object_id).where(i.c.merge_id == merge.id, i.c.object_type == kind)
        await session.execute(update(table).where(_key(table).in_(ids)).values(**values))


async def note_lots(session: AsyncSession, merge_id: str, netted: dict[str, Decimal]) -> None:
    """Note what each lot the merge moved or netted holds now, and what netting took from it."""
    lots = tables.points_lot
    for lot_id in netted:
        exists = select(i.c.object_id).where(
            i.c.merge_id == merge_id, i.c.object_type == LOT, i.c.object_id == lot_id
        )
        if (await session.execute(exists)).first() is None:
            await session.execute(insert(i).values(merge_id=merge_id, object_type=NETTED, object_id=lot_id))
    query = (
        select(i.c.object_type, i.c.object_id, lots.c.remaining)
        .join(lots, lots.c.id == i.c.object_id)
        .where(i.c.merge_id == merge_id, i.c.object_type.in_((LOT, NETTED)))
    )
    for kind, lot_id, remaining in (await session.execute(query)).all():
        detail = {"after": f"{remaining:.2f}", "netted": f"{netted.get(lot_id, Decimal(0)):.2f}"}
        await session.execute(
            update(i)
            .where(i.c.merge_id == merge_id, i.c.object_type == kind, i.c.object_id == lot_id)
            .values(detail=detail)
        )


async def noted_lots(session: AsyncSession, merge_id: str) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    """(lot, remaining now, remaining right after the merge, points netting took) of each noted lot."""
    lots = tables.points_lot
    query = (
        select(i.c.object_id, lots.c.remaining, i.c.detail)
        .join(lots, lots.c.id == i.c.object_id)
        .where(i.c.merge_id == merge_id, i.c.object_type.in_((LOT, NETTED)))
        .order_by(i.c.object_id)
    )
    return [
        (lot_id, remaining, Decimal(detail["after"]), Decimal(detail["netted"]))
        for lot_id, remaining, detail in (await session.execute(query)).all()
    ]


async def refunded_since(session: AsyncSession, merge_id: str) -> bool:
    """Whether a purchase the merge moved was refunded after it (that refund did not move)."""
    r = tables.refund
    purchases = select(i.c.object_id).where(i.c.merge_id == merge_id, i.c.object_type == "purchase")
    refunds = select(i.c.object_id).where(i.c.merge_id == merge_id, i.c.object_type == "refund")
    query = select(r.c.id).where(r.c.purchase_id.in_(purchases), r.c.id.not_in(refunds)).limit(1)
    return (await session.execute(query)).first() is not None


async def purchase_stats(session: AsyncSession, customer_id: str) -> tuple[int, datetime | None]:
    """How many purchases the member has and when the latest happened."""
    p = tables.purchase
    query = select(func.count(p.c.id), func.max(p.c.occurred_at)).where(p.c.customer_id == customer_id)
    count, last = (await session.execute(query)).one()
    return int(count), last


async def moved_counts(session: AsyncSession, merge_id: str) -> dict[str, int]:
    """How many rows of each kind the merge moved."""
    query = (
        select(i.c.object_type, func.count())
        .where(i.c.merge_id == merge_id, i.c.object_type != NETTED)
        .group_by(i.c.object_type)
    )
    counted = {str(kind): int(n) for kind, n in (await session.execute(query)).all()}
    return {kind: counted.get(kind, 0) for kind in MOVED}
