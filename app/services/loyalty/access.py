"""What a caller may see and change of a member: the one place every member-scoped route asks.

A key without a store restriction sees every member. A store-bound key (a POS, a store's
admin, a manager's key) sees the members of its store and the members its store has sold to,
and changes only its own store's members. A staff user's key sees and changes only the
members assigned to it (`sales_rep` equal to its rep code), at any store. A member token sees
its one member and no purchase. What a caller may not see does not exist for it (404).
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import NotFound, StoreNotAllowed
from app.models.loyalty.customers import CustomerRecord
from app.models.loyalty.purchases import PurchaseRecord
from app.repositories.loyalty import customers as customers_repo
from app.repositories.loyalty import purchases as purchases_repo
from app.services.integration.api_keys import Principal


class Member(Protocol):
    """What visibility looks at (a `CustomerRecord`, or the hot path's `HotMember`)."""

    @property
    def id(self) -> str: ...
    @property
    def store_id(self) -> str | None: ...
    @property
    def sales_rep(self) -> str | None: ...


def sees_without_sales(principal: Principal, member: Member) -> bool | None:
    """Whether the caller sees the member, or None when that depends on the store's sales to it."""
    if principal.customer_id is not None:
        return member.id == principal.customer_id
    if principal.rep is not None:
        return member.sales_rep == principal.rep
    if principal.store_id is None or member.store_id == principal.store_id:
        return True
    return None


async def sees_member(session: AsyncSession, principal: Principal, member: CustomerRecord) -> bool:
    seen = sees_without_sales(principal, member)
    if seen is not None:
        return seen
    return await purchases_repo.sold_at(session, member.id, principal.store_id or "")


async def check_sees(session: AsyncSession, principal: Principal, member: CustomerRecord) -> None:
    if not await sees_member(session, principal, member):
        raise NotFound(f"no member {member.id}")


async def check_changes(session: AsyncSession, principal: Principal, member: CustomerRecord) -> None:
    """A member the caller may change: seen (else 404) and of its own store when store-bound (else 403)."""
    await check_sees(session, principal, member)
    if principal.rep is None and principal.store_id is not None and member.store_id != principal.store_id:
        raise StoreNotAllowed(f"member {member.id} belongs to another store; this key may only read it")


async def seen_purchase(session: AsyncSession, principal: Principal, transaction_id: str) -> PurchaseRecord:
    """A purchase the caller may see: a store-bound key sees only its store's, staff only their members'."""
    purchase = await purchases_repo.get(session, transaction_id)
    if purchase is None or principal.customer_id is not None:
        raise NotFound(f"no transaction {transaction_id}")
    if principal.rep is not None:
        member = await customers_repo.get(session, purchase.customer_id)
        if member is None or member.sales_rep != principal.rep:
            raise NotFound(f"no transaction {transaction_id}")
    elif not principal.sees_store(purchase.store_id):
        raise NotFound(f"no transaction {transaction_id}")
    return purchase
