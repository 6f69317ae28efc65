from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.integration.member_tokens import MemberToken
from app.repositories import tables

m, k = tables.member_token, tables.api_key
_by_hash = select(m, k.c.revoked_at.label("key_revoked_at")).join(k, k.c.id == m.c.api_key_id)


async def get_by_hash(session: AsyncSession, token_hash: str) -> tuple[MemberToken, bool] | None:
    """The token and whether the key that issued it is still live."""
    row = (await session.execute(_by_hash.where(m.c.token_hash == token_hash))).first()
    if row is None:
        return None
    data = dict(row._mapping)
    issuer_live = data.pop("key_revoked_at") is None
    return MemberToken.model_validate(data), issuer_live


async def insert(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(m.insert(), values)


async def get(session: AsyncSession, customer_id: str, token_id: str) -> MemberToken | None:
    row = (await session.execute(select(m).where(m.c.id == token_id, m.c.customer_id == customer_id))).first()
    return MemberToken.model_validate(row._mapping) if row else None


async def revoke(session: AsyncSession, token_id: str, at: Any) -> None:
    await session.execute(update(m).where(m.c.id == token_id, m.c.revoked_at.is_(None)).values(revoked_at=at))


async def page(
    session: AsyncSession, customer_id: str, limit: int, before_id: str | None
) -> Sequence[MemberToken]:
    query = select(m).where(m.c.customer_id == customer_id).order_by(m.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(m.c.id < before_id)
    return [MemberToken.model_validate(r._mapping) for r in await session.execute(query)]
