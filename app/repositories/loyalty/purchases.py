from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Refund
from app.models.loyalty.purchases import PurchaseLineRecord, PurchaseRecord, RefundRecord
from app.repositories import tables
from app.repositories.dialect import insert_ignore
from app.repositories.sync import ChangedSince

p, pl, r = tables.purchase, tables.purchase_line, tables.refund


async def insert_purchase(
    session: AsyncSession, purchase: dict[str, Any], lines: Sequence[dict[str, Any]]
) -> bool:
    """The purchase and its lines in two statements; False if its receipt was already posted."""
    stmt = insert_ignore(session, p).returning(p.c.id)
    if (await session.execute(stmt, purchase)).first() is None:
        return False
    await session.execute(insert(pl), list(lines))  # executemany: one cached statement
    return True


async def find_receipt(session: AsyncSession, store_id: str, external_id: str) -> str | None:
    query = select(p.c.id).where(p.c.store_id == store_id, p.c.external_id == external_id)
    found = (await session.execute(query)).scalar()
    return str(found) if found else None


async def get(session: AsyncSession, purchase_id: str, *, for_update: bool = False) -> PurchaseRecord | None:
    query = select(p).where(p.c.id == purchase_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return PurchaseRecord.model_validate(row._mapping) if row else None


async def lines_of(session: AsyncSession, purchase_ids: Sequence[str]) -> dict[str, list[PurchaseLineRecord]]:
    rows = await session.execute(select(pl).where(pl.c.purchase_id.in_(purchase_ids)).order_by(pl.c.line_no))
    result: dict[str, list[PurchaseLineRecord]] = {pid: [] for pid in purchase_ids}
    for row in rows:
        result[row.purchase_id].append(PurchaseLineRecord.model_validate(row._mapping))
    return result


async def page(
    session: AsyncSession,
    *,
    customer_id: str | None,
    store_id: str | None,
    limit: int,
    after_id: str | None,
    changed: ChangedSince | None = None,
    members: Select[tuple[str]] | None = None,
) -> Sequence[PurchaseRecord]:
    """Newest first, or (to sync) oldest change first from `changed.since`; `members` limits
    the purchases to those of the members it selects."""
    if changed is not None:
        query = changed.apply(select(p).limit(limit), p.c.updated_at, p.c.id)
    else:
        query = select(p).order_by(p.c.id.desc()).limit(limit)
    if customer_id:
        query = query.where(p.c.customer_id == customer_id)
    if store_id:
        query = query.where(p.c.store_id == store_id)
    if members is not None:
        query = query.where(p.c.customer_id.in_(members))
    if after_id:
        query = query.where(p.c.id < after_id)
    return [PurchaseRecord.model_validate(r._mapping) for r in await session.execute(query)]


async def record_refund(
    session: AsyncSession,
    refund: Refund,
    purchase_values: dict[str, Any],
    line_values: dict[int, dict[str, Any]],
) -> None:
    """Store the refund and move the purchase's and lines' refunded tallies forward."""
    session.add(refund)
    await session.flush()
    session.expunge(refund)
    await session.execute(update(p).where(p.c.id == refund.purchase_id).values(purchase_values))
    for line_no, values in line_values.items():
        await session.execute(
            update(pl).where(pl.c.purchase_id == refund.purchase_id, pl.c.line_no == line_no).values(values)
        )


async def sold_at(session: AsyncSession, customer_id: str, store_id: str) -> bool:
    """Whether the store has posted a purchase for the member."""
    query = select(p.c.id).where(p.c.customer_id == customer_id, p.c.store_id == store_id).limit(1)
    return (await session.execute(query)).first() is not None


async def refunds_of(session: AsyncSession, purchase_ids: Sequence[str]) -> Sequence[RefundRecord]:
    """The purchases' refunds, oldest first."""
    query = select(r).where(r.c.purchase_id.in_(purchase_ids)).order_by(r.c.id)
    return [RefundRecord.model_validate(row._mapping) for row in await session.execute(query)]


async def refund_page(
    session: AsyncSession, purchase_id: str, limit: int, after_id: str | None
) -> Sequence[RefundRecord]:
    query = select(r).where(r.c.purchase_id == purchase_id).order_by(r.c.id).limit(limit)
    if after_id is not None:
        query = query.where(r.c.id > after_id)
    return [RefundRecord.model_validate(row._mapping) for row in await session.execute(query)]
