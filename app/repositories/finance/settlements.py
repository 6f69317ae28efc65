from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.finance.settlements import Holder
from app.models import Settlement, SettlementEvent, SettlementItem
from app.repositories import tables
from app.repositories.dialect import insert_ignore

t = tables.settlement
items_t = tables.settlement_item
events_t = tables.settlement_event
customer = tables.customer


async def insert(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(t.insert(), values)


async def get(session: AsyncSession, settlement_id: str, *, for_update: bool = False) -> Settlement | None:
    query = select(t).where(t.c.id == settlement_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return Settlement.model_validate(row._mapping) if row else None


async def page(
    session: AsyncSession, status: str | None, limit: int, before_id: str | None
) -> Sequence[Settlement]:
    query = select(t).order_by(t.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(t.c.status == status)
    if before_id:
        query = query.where(t.c.id < before_id)
    return [Settlement.model_validate(r._mapping) for r in await session.execute(query)]


async def update_fields(session: AsyncSession, settlement_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(t).where(t.c.id == settlement_id).values(**values))


async def insert_item(session: AsyncSession, values: dict[str, Any]) -> bool:
    """False when the run already settled this member (the unique key refuses a second item)."""
    stmt = insert_ignore(session, items_t).returning(items_t.c.id)
    return (await session.execute(stmt, values)).first() is not None


async def items(session: AsyncSession, settlement_id: str) -> Sequence[SettlementItem]:
    query = select(items_t).where(items_t.c.settlement_id == settlement_id).order_by(items_t.c.position)
    return [SettlementItem.model_validate(r._mapping) for r in await session.execute(query)]


@dataclass(frozen=True)
class Summary:
    members: int
    points: Decimal
    amount: Decimal
    last_position: int


async def summary(session: AsyncSession, settlement_id: str) -> Summary:
    query = select(
        func.count(),
        func.coalesce(func.sum(items_t.c.points), 0),
        func.coalesce(func.sum(items_t.c.amount), 0),
        func.coalesce(func.max(items_t.c.position), 0),
    ).where(items_t.c.settlement_id == settlement_id)
    row = (await session.execute(query)).one()
    return Summary(int(row[0]), Decimal(row[1]), Decimal(row[2]), int(row[3]))  # sums keep the Cents type


async def add_event(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(events_t.insert(), values)


async def events(session: AsyncSession, settlement_id: str) -> Sequence[SettlementEvent]:
    query = select(events_t).where(events_t.c.settlement_id == settlement_id).order_by(events_t.c.id)
    return [SettlementEvent.model_validate(r._mapping) for r in await session.execute(query)]


async def holders(
    session: AsyncSession,
    min_balance: Decimal,
    limit: int,
    *,
    after: Holder | None = None,
    not_in_settlement: str | None = None,
) -> list[Holder]:
    """Live members with a positive balance of at least `min_balance`, largest first (then by id)."""
    query = (
        select(customer.c.id, customer.c.balance)
        .where(customer.c.deleted_at.is_(None), customer.c.balance > 0, customer.c.balance >= min_balance)
        .order_by(customer.c.balance.desc(), customer.c.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            (customer.c.balance < after.balance)
            | ((customer.c.balance == after.balance) & (customer.c.id > after.customer_id))
        )
    if not_in_settlement is not None:
        done = exists().where(
            items_t.c.settlement_id == not_in_settlement, items_t.c.customer_id == customer.c.id
        )
        query = query.where(~done)
    return [Holder(r.id, r.balance) for r in await session.execute(query)]
