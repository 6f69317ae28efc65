"""Staff users."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.crm.users import User
from app.repositories import tables
from app.repositories.crm import rows

u = tables.staff_user


async def get(session: AsyncSession, user_id: str, *, for_update: bool = False) -> User | None:
    return await rows.get(session, u, User, user_id, for_update=for_update)


async def taken(session: AsyncSession, email: str, rep_code: str) -> tuple[str, str] | None:
    """The id of a user holding the email or rep code, and which field, if any."""
    query = select(u.c.id, u.c.email).where((u.c.email == email) | (u.c.rep_code == rep_code)).limit(1)
    row = (await session.execute(query)).first()
    if row is None:
        return None
    return row.id, "email" if row.email == email else "rep_code"


async def add(session: AsyncSession, values: dict[str, Any]) -> None:
    await rows.add(session, u, values)


async def update_fields(session: AsyncSession, user_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(u).where(u.c.id == user_id).values(**values))


async def page(session: AsyncSession, limit: int, after_id: str | None) -> list[User]:
    return await rows.page(session, u, User, [], limit, after_id)


async def names_by_rep(session: AsyncSession) -> dict[str, tuple[str, str]]:
    """Every user's rep code → (user id, name), for reports."""
    found = await session.execute(select(u.c.rep_code, u.c.id, u.c.name))
    return {r.rep_code: (r.id, r.name) for r in found}
