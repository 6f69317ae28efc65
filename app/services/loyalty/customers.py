"""Members: create with a duplicate check, read, update, search, soft delete.

Phones and emails arrive normalised by the request models (E.164; trimmed, lower-case), so
the duplicate check compares them exactly: spacing, punctuation, a missing country code or
letter case cannot slip a second member past it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import Conflict, NotFound
from app.domain.loyalty.lifecycle import lifecycle_stage
from app.models import Customer
from app.models.base import new_id
from app.models.loyalty.customers import (
    CustomerCreate,
    CustomerPage,
    CustomerPublic,
    CustomerRecord,
    CustomerUpdate,
)
from app.models.text import PHONE, phone_region, to_e164
from app.repositories.loyalty import customers as repo
from app.repositories.loyalty.customers import SearchFilters
from app.services.loyalty.rules import load_rules
from app.services.pagination import decode_cursor, encode_cursor

_PHONE_LIKE = re.compile(PHONE)


def to_public(member: CustomerRecord, now: datetime) -> CustomerPublic:
    data = member.model_dump()
    data["lifecycle_stage"] = lifecycle_stage(member.purchase_count, member.last_purchase_at, now)
    return CustomerPublic.model_validate(data)


async def _refuse_duplicate(session: AsyncSession, values: dict[str, Any], exclude_id: str | None) -> None:
    claimed = [
        f"{field}:{values[field]}" for field in ("phone", "email", "external_ref") if values.get(field)
    ]
    await repo.lock_identities(session, claimed)  # two concurrent creates cannot both pass the check
    found = await repo.find_duplicate(
        session,
        phone=values.get("phone"),
        email=values.get("email"),
        external_ref=values.get("external_ref"),
        exclude_id=exclude_id,
    )
    if found:
        existing_id, field = found
        raise Conflict(
            f"member {existing_id} already has this {field}; pass allow_duplicate=true to keep both",
            extra={"existing_id": existing_id, "field": field},
        )


async def create_customer(
    session: AsyncSession, body: CustomerCreate, *, allow_duplicate: bool, now: datetime
) -> CustomerPublic:
    values = body.model_dump()
    if not allow_duplicate:
        await _refuse_duplicate(session, values, None)
    rules = await load_rules(session)
    member = Customer(
        **values,
        id=new_id("cus"),
        tier=rules.tiers[0].code,
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, member)
    return to_public(member, now)


async def get_customer(session: AsyncSession, customer_id: str, now: datetime) -> CustomerPublic:
    member = await repo.get(session, customer_id)
    if member is None:
        raise NotFound(f"no member {customer_id}")
    return to_public(member, now)


async def update_customer(
    session: AsyncSession, customer_id: str, body: CustomerUpdate, *, allow_duplicate: bool, now: datetime
) -> CustomerPublic:
    """Apply only the fields the caller sent; server-kept figures cannot be set."""
    member = await repo.get(session, customer_id, for_update=True)
    if member is None:
        raise NotFound(f"no member {customer_id}")
    values = body.model_dump(exclude_unset=True)
    if not allow_duplicate:
        await _refuse_duplicate(session, values, customer_id)
    if values:
        values["updated_at"] = now
        await repo.update_fields(session, customer_id, values)
    updated = member.model_copy(update=values)
    return to_public(updated, now)


async def delete_customer(session: AsyncSession, customer_id: str, now: datetime) -> None:
    """Soft delete: the member disappears from the API; its ledger and purchases stay for audit."""
    member = await repo.get(session, customer_id, for_update=True)
    if member is None:
        raise NotFound(f"no member {customer_id}")
    await repo.update_fields(session, customer_id, {"deleted_at": now, "updated_at": now})


def _with_phone_terms(filters: SearchFilters) -> SearchFilters:
    """A phone-like query finds its number exactly (as E.164), or else by its last digits."""
    q = (filters.q or "").strip()
    if not _PHONE_LIKE.fullmatch(q):
        return replace(filters, q=q or None)
    e164 = to_e164(q, phone_region())
    ending = None if e164 else "".join(c for c in q if c in "0123456789")
    return replace(filters, q=q, phone=e164, phone_ending=ending)


async def search_customers(
    session: AsyncSession, filters: SearchFilters, limit: int, cursor: str | None, now: datetime
) -> CustomerPage:
    after = decode_cursor(cursor, "cus")
    found = await repo.search(session, _with_phone_terms(filters), limit + 1, after)
    page = found[:limit]
    return CustomerPage(
        items=[to_public(m, now) for m in page],
        next_cursor=encode_cursor(page[-1].id) if len(found) > limit else None,
    )
