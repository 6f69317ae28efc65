from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiKey
from app.repositories import tables


async def get_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    row = (await session.execute(select(tables.api_key).where(tables.api_key.c.key_hash == key_hash))).first()
    return ApiKey.model_validate(row._mapping) if row else None


async def touch(session: AsyncSession, key_id: str, at: datetime) -> None:
    await session.execute(update(tables.api_key).where(tables.api_key.c.id == key_id).values(last_used_at=at))


async def add(session: AsyncSession, key: ApiKey) -> None:
    session.add(key)
    await session.flush()


async def list_all(session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.execute(select(ApiKey).order_by(ApiKey.created_at.desc()))).scalars().all()  # type: ignore[attr-defined]


async def get(session: AsyncSession, key_id: str) -> ApiKey | None:
    return await session.get(ApiKey, key_id)
