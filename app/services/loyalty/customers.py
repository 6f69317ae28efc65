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

from app.domain.crm.errors import MemberErased, MemberMerged, RepNotAllowed
from app.domain.errors import DuplicateMember, NotFound, StoreNotAllowed
from app.domain.marketing.analysis import segments
from app.models import Customer
from app.models.base import new_id
from app.models.loyalty.customers import (
    CustomerBase,
    CustomerCreate,
    CustomerPage,
    CustomerPublic,
    CustomerRecord,
    CustomerUpdate,
)
from app.models.text import PHONE, phone_region, to_e164
from app.repositories.loyalty import customers as repo
from app.repositories.loyalty.customers import SearchFilters
from app.repositories.sync import ChangedSince
from app.services import audit
from app.services.conditional import check_if_match
from app.services.integration.api_keys import Principal
from app.services.loyalty.access import check_changes, check_sees
from app.services.loyalty.rules import hold_rules
from app.services.loyalty.stores import require_store
from app.services.pagination import decode_cursor, decode_sync_cursor, encode_cursor, sync_cursor

_PHONE_LIKE = re.compile(PHONE)


def to_public(member: CustomerRecord, now: datetime) -> CustomerPublic:
    """The member as shown: the stage, segments and scores the analysis stored (docs/analysis.md)."""
    data = member.model_dump()
    data["segments"] = segments(member.segment_value, member.segment_trend, member.segment_problem)
    scores = (member.rfm_r, member.rfm_f, member.rfm_m)
    data["rfm"] = None if None in scores else dict(zip("rfm", scores, strict=True))
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
        raise DuplicateMember(
            f"member {existing_id} already has this {field}; pass allow_duplicate=true to keep both",
            extra={"existing_id": existing_id, "field": field},
        )


async def refuse_taken_identity(
    session: AsyncSession, member: CustomerRecord, exclude: tuple[str, ...] = ()
) -> None:
    """A member coming back (restored, or un-merged) may not take a phone, email or reference a
    live member (other than `exclude`) now holds: 409 naming it."""
    values = member.model_dump(include={"phone", "email", "external_ref"})
    await repo.lock_identities(session, [f"{f}:{v}" for f, v in values.items() if v])
    found = await repo.find_duplicate(session, **values, exclude_id=member.id, also_exclude=exclude)
    if found:
        existing_id, field = found
        raise DuplicateMember(
            f"live member {existing_id} now holds this {field}; change one of them first",
            extra={"existing_id": existing_id, "field": field},
        )


def _check_rep(principal: Principal, values: dict[str, Any]) -> None:
    """A staff user's key keeps its members its own: it assigns only its rep code."""
    if principal.rep is not None and "sales_rep" in values and values["sales_rep"] != principal.rep:
        raise RepNotAllowed(f"this key assigns members only to sales rep {principal.rep}")


async def _check_store(session: AsyncSession, principal: Principal, values: dict[str, Any]) -> None:
    """A member's store must exist and be active; a store-bound key assigns only its own."""
    store = values.get("store_id")
    if store is not None:
        principal.check_store(store)
        await require_store(session, store)


async def create_customer(
    session: AsyncSession, principal: Principal, body: CustomerCreate, *, allow_duplicate: bool, now: datetime
) -> CustomerPublic:
    """A new member; a store-bound key's members belong to its store."""
    values = body.model_dump()
    if values.get("store_id") is None:
        values["store_id"] = principal.store_id
    if values.get("sales_rep") is None and principal.rep is not None:
        values["sales_rep"] = principal.rep
    _check_rep(principal, values)
    await _check_store(session, principal, values)
    if not allow_duplicate:
        await _refuse_duplicate(session, values, None)
    rules = await hold_rules(session)  # the lowest tier of the table in force until commit
    member = Customer(
        **values,
        id=new_id("cus"),
        tier=rules.tiers[0].code,
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, member)
    await audit.record(session, principal, "customer", member.id, "create", None, _audited(member), now)
    return to_public(member, now)


# The member's own data; figures the ledger explains (balance, totals, tier) are audited by it.
_AUDITED = {*CustomerBase.model_fields, "tags"}


def _audited(member: CustomerRecord) -> dict[str, Any]:
    """The member's own fields, as an audit event compares them."""
    return member.model_dump(include=_AUDITED)


async def _found(
    session: AsyncSession,
    principal: Principal,
    customer_id: str,
    *,
    for_update: bool = False,
    include_deleted: bool = False,
) -> CustomerRecord:
    member = await repo.get(session, customer_id, for_update=for_update, include_deleted=include_deleted)
    if member is None:
        raise NotFound(f"no member {customer_id}")
    await check_sees(session, principal, member)
    return member


async def any_member_locked(session: AsyncSession, principal: Principal, customer_id: str) -> CustomerRecord:
    """A member the caller sees, deleted or not, its row locked until commit."""
    return await _found(session, principal, customer_id, for_update=True, include_deleted=True)


async def get_customer(
    session: AsyncSession, principal: Principal, customer_id: str, now: datetime
) -> CustomerPublic:
    return to_public(await _found(session, principal, customer_id), now)


async def update_customer(
    session: AsyncSession,
    principal: Principal,
    customer_id: str,
    body: CustomerUpdate,
    *,
    allow_duplicate: bool,
    now: datetime,
    if_match: str | None = None,
) -> CustomerPublic:
    """Apply only the fields the caller sent; server-kept figures cannot be set."""
    member = await _found(session, principal, customer_id, for_update=True)
    await check_changes(session, principal, member)
    check_if_match(to_public(member, now), if_match, required=False)
    values = body.model_dump(exclude_unset=True)
    if principal.store_id is not None and "store_id" in values and values["store_id"] is None:
        raise StoreNotAllowed("a store-bound key cannot remove a member from its store")
    _check_rep(principal, values)
    await _check_store(session, principal, values)
    if not allow_duplicate:
        await _refuse_duplicate(session, values, customer_id)
    if values:
        values["updated_at"] = now
        await repo.update_fields(session, customer_id, values)
    updated = member.model_copy(update=values)
    await audit.record(
        session, principal, "customer", customer_id, "update", _audited(member), _audited(updated), now
    )
    return to_public(updated, now)


async def delete_customer(
    session: AsyncSession, principal: Principal, customer_id: str, now: datetime, if_match: str | None = None
) -> None:
    """Soft delete: the member disappears from the API; its ledger and purchases stay for audit."""
    member = await _found(session, principal, customer_id, for_update=True)
    await check_changes(session, principal, member)
    check_if_match(to_public(member, now), if_match, required=False)
    await repo.update_fields(session, customer_id, {"deleted_at": now, "updated_at": now})
    await audit.record(
        session, principal, "customer", customer_id, "delete", {"deleted_at": None}, {"deleted_at": now}, now
    )


async def restore_customer(
    session: AsyncSession, principal: Principal, customer_id: str, now: datetime
) -> CustomerPublic:
    """Undelete a soft-deleted member (a live one comes back unchanged)."""
    member = await any_member_locked(session, principal, customer_id)
    await check_changes(session, principal, member)
    if member.erased_at is not None:
        raise MemberErased(f"member {customer_id} was erased on request and cannot come back")
    if member.merged_into is not None:
        raise MemberMerged(
            f"member {customer_id} was merged into {member.merged_into}; undo the merge instead",
            extra={"merged_into": member.merged_into},
        )
    if member.deleted_at is None:
        return to_public(member, now)
    await refuse_taken_identity(session, member)
    await repo.update_fields(session, customer_id, {"deleted_at": None, "updated_at": now})
    await audit.record(
        session,
        principal,
        "customer",
        customer_id,
        "restore",
        {"deleted_at": member.deleted_at},
        {"deleted_at": None},
        now,
    )
    return to_public(member.model_copy(update={"deleted_at": None, "updated_at": now}), now)


def _with_phone_terms(filters: SearchFilters) -> SearchFilters:
    """A phone-like query finds its number exactly (as E.164), or else by its last digits."""
    q = (filters.q or "").strip()
    if not _PHONE_LIKE.fullmatch(q):
        return replace(filters, q=q or None)
    e164 = to_e164(q, phone_region())
    ending = None if e164 else "".join(c for c in q if c in "0123456789")
    return replace(filters, q=q, phone=e164, phone_ending=ending)


async def search_customers(
    session: AsyncSession,
    principal: Principal,
    filters: SearchFilters,
    limit: int,
    cursor: str | None,
    now: datetime,
    updated_since: datetime | None = None,
) -> CustomerPage:
    """Members the caller may see matching the filters, newest first; with `updated_since`,
    every change (deletions too), oldest change first."""
    filters = _with_phone_terms(replace(filters, visible_to=principal.reach))
    if updated_since is not None:
        changed = ChangedSince(updated_since, decode_sync_cursor(cursor))
        found = await repo.search(session, filters, limit + 1, None, changed)
        page = found[:limit]
        more = len(found) > limit
        return CustomerPage(
            items=[to_public(m, now) for m in page],
            next_cursor=sync_cursor(page[-1].updated_at, page[-1].id) if more else None,
        )
    found = await repo.search(session, filters, limit + 1, decode_cursor(cursor, "cus"))
    page = found[:limit]
    return CustomerPage(
        items=[to_public(m, now) for m in page],
        next_cursor=encode_cursor(page[-1].id) if len(found) > limit else None,
    )
