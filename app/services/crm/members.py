"""The member a CRM object belongs to: a missing or deleted member is a 404."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import InvalidInput, NotFound
from app.models.loyalty.customers import CustomerRecord
from app.repositories.loyalty import customers as customers_repo


async def require_member(session: AsyncSession, customer_id: str) -> CustomerRecord:
    member = await customers_repo.get(session, customer_id)
    if member is None:
        raise NotFound(f"no member {customer_id}")
    return member


async def member_field(session: AsyncSession, customer_id: str) -> CustomerRecord:
    """The member a request body names; an unknown one is a bad field, not a 404."""
    member = await customers_repo.get(session, customer_id)
    if member is None:
        raise InvalidInput.at("customer_id", f"no member {customer_id}")
    return member
