from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import IdempotencyRecord
from app.models.base import utcnow
from app.repositories import tables
from app.repositories.dialect import insert_ignore


async def claim(session: AsyncSession, api_key_id: str, key: str, request_hash: str) -> bool:
    """Take the key for this transaction; on PostgreSQL waits while another holds it uncommitted."""
    values = {"api_key_id": api_key_id, "key": key, "request_hash": request_hash, "created_at": utcnow()}
    stmt = insert_ignore(session, tables.idempotency_record).returning(tables.idempotency_record.c.key)
    return (await session.execute(stmt, values)).first() is not None


async def get(session: AsyncSession, api_key_id: str, key: str) -> IdempotencyRecord | None:
    t = tables.idempotency_record
    row = (await session.execute(select(t).where(t.c.api_key_id == api_key_id, t.c.key == key))).first()
    return IdempotencyRecord.model_validate(row._mapping) if row else None


async def complete(session: AsyncSession, api_key_id: str, key: str, status_code: int, body: str) -> None:
    t = tables.idempotency_record
    await session.execute(
        update(t)
        .where(t.c.api_key_id == api_key_id, t.c.key == key)
        .values(status_code=status_code, body=body)
    )


async def purge_before(session: AsyncSession, cutoff: datetime) -> int:
    """Forget keys claimed before `cutoff`; returns how many."""
    t = tables.idempotency_record
    result = await session.execute(delete(t).where(t.c.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
