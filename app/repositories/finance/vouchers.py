from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Voucher
from app.repositories import tables

t = tables.voucher


async def insert(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(t.insert(), values)


async def get(session: AsyncSession, code: str, *, for_update: bool = False) -> Voucher | None:
    query = select(t).where(t.c.code == code)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return Voucher.model_validate(row._mapping) if row else None


async def page(
    session: AsyncSession, customer_id: str, status: str | None, limit: int, after_code: str | None
) -> Sequence[Voucher]:
    query = select(t).where(t.c.customer_id == customer_id).order_by(t.c.code).limit(limit)
    if status is not None:
        query = query.where(t.c.status == status)
    if after_code:
        query = query.where(t.c.code > after_code)
    return [Voucher.model_validate(r._mapping) for r in await session.execute(query)]


async def update_fields(session: AsyncSession, code: str, values: dict[str, Any]) -> None:
    await session.execute(update(t).where(t.c.code == code).values(**values))
