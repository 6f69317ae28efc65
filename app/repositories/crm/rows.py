"""Shared shapes of the CRM repositories: insert a row, page a member's rows newest first."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

M = TypeVar("M", bound=SQLModel)


async def add(session: AsyncSession, table: Table, values: dict[str, Any]) -> None:
    await session.execute(insert(table).values(**values))


async def get(
    session: AsyncSession, table: Table, model: type[M], row_id: str, *, for_update: bool = False
) -> M | None:
    query = select(table).where(table.c.id == row_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return model.model_validate(row._mapping) if row else None


async def page(
    session: AsyncSession,
    table: Table,
    model: type[M],
    where: list[ColumnElement[bool]],
    limit: int,
    after_id: str | None,
) -> list[M]:
    """Rows matching `where`, newest first (ids sort by creation time), after the cursor's id."""
    query = select(table).where(*where).order_by(table.c.id.desc()).limit(limit)
    if after_id:
        query = query.where(table.c.id < after_id)
    return [model.model_validate(r._mapping) for r in await session.execute(query)]


async def count(session: AsyncSession, table: Table, where: list[ColumnElement[bool]]) -> int:
    return int((await session.execute(select(func.count()).select_from(table).where(*where))).scalar_one())


async def batch(
    session: AsyncSession, table: Table, where: list[ColumnElement[bool]], after_id: str | None, size: int
) -> list[dict[str, Any]]:
    """The next `size` rows in id order after `after_id`: exports walk a table this way."""
    query = select(table).where(*where).order_by(table.c.id).limit(size)
    if after_id is not None:
        query = query.where(table.c.id > after_id)
    return [dict(r._mapping) for r in await session.execute(query)]
