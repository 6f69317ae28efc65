from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    bindparam,
    case,
    cast,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.loyalty.grading import TierRule
from app.models import Customer
from app.models.base import UTCDateTime, new_id
from app.models.loyalty.customers import CustomerRecord
from app.models.loyalty.ledger import EntryKind
from app.repositories import tables
from app.repositories.crm.seen import EVERYONE, Reach
from app.repositories.loyalty.catalogue import catalogue_version_query
from app.repositories.sync import ChangedSince

t, p = tables.customer, tables.purchase


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
    stage: str | None = None  # the stored lifecycle stage
    segment: str | None = None  # value, rising, falling or problem
    rfm_r_min: int | None = None
    rfm_f_min: int | None = None
    rfm_m_min: int | None = None
    visible_to: Reach = EVERYONE  # a restricted caller: the members it sees


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
    also_exclude: tuple[str, ...] = (),
) -> tuple[str, str] | None:
    """The first live member sharing the phone, email or external reference: (id, field)."""
    for field, value in (("phone", phone), ("email", email), ("external_ref", external_ref)):
        if value is None:
            continue
        query = select(t.c.id).where(t.c[field] == value, t.c.deleted_at.is_(None)).limit(1)
        if exclude_id:
            query = query.where(t.c.id != exclude_id)
        if also_exclude:
            query = query.where(t.c.id.not_in(also_exclude))
        found = (await session.execute(query)).scalar()
        if found:
            return str(found), field
    return None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(
    session: AsyncSession,
    filters: SearchFilters,
    limit: int,
    after_id: str | None,
    changed: ChangedSince | None = None,
) -> Sequence[CustomerRecord]:
    """Newest first, keyset on the time-ordered id; or, to sync, every change (deletions too)."""
    if changed is not None:
        query = changed.apply(select(t).limit(limit), t.c.updated_at, t.c.id)
    else:
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
    query = query.where(*_analysis_filters(filters))
    if filters.visible_to.rep is not None:
        query = query.where(t.c.sales_rep == filters.visible_to.rep)
    elif filters.visible_to.store_id is not None:
        store = filters.visible_to.store_id
        sold = select(p.c.id).where(p.c.customer_id == t.c.id, p.c.store_id == store).exists()
        query = query.where(or_(t.c.store_id == store, sold))
    return [CustomerRecord.model_validate(r._mapping) for r in await session.execute(query)]


def _analysis_filters(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """The stored analysis columns (app/domain/marketing) as conditions."""
    where: list[ColumnElement[bool]] = []
    if filters.stage is not None:
        where.append(t.c.lifecycle_stage == filters.stage)
    if filters.segment == "value":
        where.append(t.c.segment_value.is_(true()))
    elif filters.segment == "problem":
        where.append(t.c.segment_problem.is_(true()))
    elif filters.segment is not None:
        where.append(t.c.segment_trend == filters.segment)
    for score in ("r", "f", "m"):
        least = getattr(filters, f"rfm_{score}_min")
        if least is not None:
            where.append(t.c[f"rfm_{score}"] >= least)
    return where


def _grade(tiers: Sequence[TierRule]) -> ColumnElement[str]:
    """The tier a member's lifetime points reach, as SQL."""
    ordered = sorted(tiers, key=lambda r: r.threshold, reverse=True)
    if len(ordered) == 1:
        return literal(ordered[0].code, String)
    return case(*((t.c.lifetime_points >= r.threshold, r.code) for r in ordered[:-1]), else_=ordered[-1].code)


async def regrade_all(
    session: AsyncSession, tiers: Sequence[TierRule], *, now: datetime, api_key_id: str | None
) -> int:
    """Re-grade every member against a new tier table, in two statements whatever their number.

    Each member whose tier moves gets a zero-point `regrade` ledger entry (next `entry_no`,
    tier before and after) and its `ledger_seq` advanced with it. The caller holds the rules
    exclusively, so no balance changes in between. Returns how many members moved.
    """
    grade = _grade(tiers)
    moved = t.c.tier != grade
    le = tables.ledger_entry
    batch = new_id("led")[:20]  # "led_" + time and randomness of this change; + a row number
    row_no = func.row_number().over(order_by=t.c.id) + 1_000_000_000
    entries = select(
        (literal(batch, String) + cast(row_no, String)).label("id"),
        t.c.id,
        t.c.ledger_seq + 1,
        literal(EntryKind.regrade.value, String),
        literal(0),
        t.c.balance,
        t.c.lifetime_points,
        false(),
        literal(0),
        literal(0),
        t.c.tier,
        grade,
        literal("the tier table changed", String),
        literal(api_key_id, String) if api_key_id else null(),
        literal(now, UTCDateTime),
    ).where(moved)
    columns = [
        "id",
        "customer_id",
        "entry_no",
        "kind",
        "points",
        "balance_after",
        "lifetime_after",
        "counts_toward_tier",
        "profit_points",
        "consumption_points",
        "tier_before",
        "tier_after",
        "reason",
        "api_key_id",
        "created_at",
    ]
    await session.execute(insert(le).from_select(columns, entries))
    result = await session.execute(
        update(t).where(moved).values(tier=grade, ledger_seq=t.c.ledger_seq + 1, updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
