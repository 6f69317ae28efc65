from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiKey
from app.models.integration.api_keys import ApiKeyRecord
from app.repositories import tables

_by_hash = select(tables.api_key).where(tables.api_key.c.key_hash == bindparam("key_hash"))
_touch = update(tables.api_key).where(
    tables.api_key.c.id == bindparam("key_id"),
    or_(tables.api_key.c.last_used_at.is_(None), tables.api_key.c.last_used_at < bindparam("stale_before")),
)


async def get_by_hash(session: AsyncSession, key_hash: str) -> ApiKeyRecord | None:
    row = (await session.execute(_by_hash, {"key_hash": key_hash})).first()
    return ApiKeyRecord.model_validate(row._mapping) if row else None


async def touch(session: AsyncSession, key_id: str, at: datetime, stale_before: datetime) -> None:
    """Record a use unless one after `stale_before` already was (concurrent requests write once)."""
    await session.execute(_touch, {"key_id": key_id, "last_used_at": at, "stale_before": stale_before})


async def add(session: AsyncSession, key: ApiKey) -> None:
    session.add(key)
    await session.flush()


async def page(
    session: AsyncSession, *, limit: int, before_id: str | None, store_id: str | None
) -> Sequence[ApiKeyRecord]:
    """Keys newest first (ids sort by creation time), optionally only one store's."""
    k = tables.api_key
    query = select(k).order_by(k.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(k.c.id < before_id)
    if store_id is not None:
        query = query.where(k.c.store_id == store_id)
    return [ApiKeyRecord.model_validate(r._mapping) for r in await session.execute(query)]


async def get(session: AsyncSession, key_id: str) -> ApiKey | None:
    return await session.get(ApiKey, key_id)
