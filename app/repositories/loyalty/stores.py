from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.loyalty.stores import Store
from app.repositories import tables
from app.repositories.dialect import insert_ignore

s = tables.store


async def get(session: AsyncSession, code: str) -> Store | None:
    row = (await session.execute(select(s).where(s.c.code == code))).first()
    return Store.model_validate(row._mapping) if row else None


async def insert(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert a store; False when its code is taken (concurrent creates: one wins, no error)."""
    stmt = insert_ignore(session, s).returning(s.c.code)
    return (await session.execute(stmt, values)).first() is not None


async def update_fields(session: AsyncSession, code: str, values: dict[str, Any]) -> None:
    await session.execute(update(s).where(s.c.code == code).values(values))


async def page(session: AsyncSession, *, limit: int, after: str | None, only: str | None) -> Sequence[Store]:
    """Stores by code; `only` limits the page to one store (a store-bound caller)."""
    query = select(s).order_by(s.c.code).limit(limit)
    if after is not None:
        query = query.where(s.c.code > after)
    if only is not None:
        query = query.where(s.c.code == only)
    return [Store.model_validate(r._mapping) for r in await session.execute(query)]
