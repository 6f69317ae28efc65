"""Contacts of company members."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import tables

t = tables.contact


async def clear_main(session: AsyncSession, customer_id: str) -> None:
    """No contact of the member is its main contact any more."""
    await session.execute(update(t).where(t.c.customer_id == customer_id, t.c.is_main).values(is_main=False))
