"""The member a CRM object belongs to, as the caller may see or change it.

Every CRM object hangs off a member, so the member decides who reaches it (`loyalty.access`):
a missing, deleted or unseen member is a 404, and so is anything under it. A store-bound key
adds records (maintenance, readings, activities, tickets) for any member it sees, but changes
the member's own data (its vehicles, its contacts) only for members of its store (403).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import InvalidInput, NotFound
from app.models.loyalty.customers import CustomerRecord
from app.repositories.loyalty import customers as customers_repo
from app.services.integration.api_keys import Principal
from app.services.loyalty.access import check_changes, check_sees, sees_member


async def seen_member(session: AsyncSession, principal: Principal, customer_id: str) -> CustomerRecord:
    """A live member the caller sees, or 404."""
    member = await customers_repo.get(session, customer_id)
    if member is None:
        raise NotFound(f"no member {customer_id}")
    await check_sees(session, principal, member)
    return member


async def changed_member(
    session: AsyncSession, principal: Principal, customer_id: str, *, for_update: bool = False
) -> CustomerRecord:
    """A live member whose own data the caller may change: 404 unseen, 403 another store's;
    `for_update` locks its row until commit (writes that read what they change)."""
    member = await customers_repo.get(session, customer_id, for_update=for_update)
    if member is None:
        raise NotFound(f"no member {customer_id}")
    await check_changes(session, principal, member)
    return member


async def member_field(session: AsyncSession, principal: Principal, customer_id: str) -> CustomerRecord:
    """The member a request body names; an unknown or unseen one is a bad field, not a 404."""
    member = await customers_repo.get(session, customer_id)
    if member is None or not await sees_member(session, principal, member):
        raise InvalidInput.at("customer_id", f"no member {customer_id}")
    return member
