from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.loyalty.grading import TierRule
from app.models import Customer
from app.models.loyalty.customers import CustomerRecord
from app.repositories import tables
from app.repositories.loyalty.catalogue import catalogue_version_query

t = tables.customer


@dataclass(frozen=True)
class SearchFilters:
    q: str | None = None
    phone: str | None = None  # a phone-like q as E.164: matched exactly
    phone_ending: str | None = None  # a phone-like q that is no full number: its last digits
    tier: str | None = None
    phase: str | None = None
    status: str | None = None
    sales_rep: str | None = None
    store_id: str | None = None


async def get(
    session: AsyncSession, customer_id: str, *, for_update: bool = False, include_deleted: bool = False
) -> CustomerRecord | None:
    """A live member (or any, with `include_deleted`); `for_update` locks its row until commit."""
    query = select(t).where(t.c.id == customer_id)
    if not include_deleted:
        query = query.where(t.c.deleted_at.is_(None))
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return CustomerRecord.model_validate(row._mapping) if row else None


@cache
def _member_query(for_update: bool, include_deleted: bool) -> Select[Any]:
    query = select(t, catalogue_version_query().label("catalogue_version")).where(t.c.id == bindparam("id"))
    if not include_deleted:
        query = query.where(t.c.deleted_at.is_(None))
    return query.with_for_update(of=t) if for_update else query


async def get_with_version(
    session: AsyncSession, customer_id: str, *, for_update: bool = False, include_deleted: bool = False
) -> tuple[CustomerRecord, int] | None:
    """The member (as `get`) and the catalogue version, in one round trip."""
    row = (await session.execute(_member_query(for_update, include_deleted), {"id": customer_id})).first()
    if row is None:
        return None
    data = dict(row._mapping)
    version = int(data.pop("catalogue_version"))
    return CustomerRecord.model_validate(data), version


async def add(session: AsyncSession, customer: Customer) -> None:
    session.add(customer)
    await session.flush()
    session.expunge(customer)


_update = update(t).where(t.c.id == bindparam("_customer_id"))


async def update_fields(session: AsyncSession, customer_id: str, values: dict[str, Any]) -> None:
    """SET the given columns; they travel as parameters of one prebuilt, cached statement."""
    await session.execute(_update, {**values, "_customer_id": customer_id})


async def lock_identities(session: AsyncSession, identities: list[str]) -> None:
    """Serialise creates and updates that claim the same phone, email or reference.

    On PostgreSQL a transaction-level advisory lock per identity (released at commit), taken
    in a fixed order; SQLite's write lock already serialises every writer.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for identity in sorted(set(identities)):
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(identity))))


async def find_duplicate(
    session: AsyncSession,
    *,
    phone: str | None,
    email: str | None,
    external_ref: str | None,
    exclude_id: str | None,
) -> tuple[str, str] | None:
    """The first live member sharing the phone, email or external reference: (id, field)."""
    for field, value in (("phone", phone), ("email", email), ("external_ref", external_ref)):
        if value is None:
            continue
        query = select(t.c.id).where(t.c[field] == value, t.c.deleted_at.is_(None)).limit(1)
        if exclude_id:
            query = query.where(t.c.id != exclude_id)
        found = (await session.execute(query)).scalar()
        if found:
            return str(found), field
    return None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(
    session: AsyncSession, filters: SearchFilters, limit: int, after_id: str | None
) -> Sequence[CustomerRecord]:
    """Newest first; keyset pagination on the time-ordered id."""
    query = select(t).where(t.c.deleted_at.is_(None)).order_by(t.c.id.desc()).limit(limit)
    if after_id:
        query = query.where(t.c.id < after_id)
    if filters.q:
        like = f"%{_escape_like(filters.q.lower())}%"
        matches = [
            func.lower(t.c.name).like(like, escape="\\"),
            t.c.email == filters.q.lower(),
            t.c.external_ref == filters.q,
        ]
        if filters.phone:
            matches.append(t.c.phone == filters.phone)
        if filters.phone_ending:
            matches.append(t.c.phone.like(f"%{filters.phone_ending}"))
        query = query.where(or_(*matches))
    for field in ("tier", "phase", "status", "sales_rep", "store_id"):
        value = getattr(filters, field)
        if value is not None:
            query = query.where(t.c[field] == value)
    return [CustomerRecord.model_validate(r._mapping) for r in await session.execute(query)]


async def regrade_all(session: AsyncSession, tiers: Sequence[TierRule]) -> None:
    """Re-grade every member against a new tier table in one statement."""
    ordered = sorted(tiers, key=lambda r: r.threshold, reverse=True)
    if len(ordered) == 1:
        await session.execute(update(t).values(tier=ordered[0].code))
        return
    grade = case(
        *((t.c.lifetime_points >= r.threshold, r.code) for r in ordered[:-1]), else_=ordered[-1].code
    )
    await session.execute(update(t).values(tier=grade))
