"""Contacts of company members, and contact activities (calls, visits, messages) with any member.

A contact is the company's own data: a store-bound key adds contacts only to its store's
members (403 for a member it only sold to). An activity is a record of the store's contact
with the member: it logs and reads them for every member it sees. Any other member is a 404.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.errors import NotACompany
from app.models import Activity, Contact
from app.models.base import new_id
from app.models.crm.contacts import (
    ActivityCreate,
    ActivityPage,
    ActivityPublic,
    ContactCreate,
    ContactPage,
    ContactPublic,
)
from app.models.loyalty.customers import Kind
from app.repositories import tables
from app.repositories.crm import contacts as repo
from app.repositories.crm import rows
from app.services.crm.members import changed_member, seen_member
from app.services.crm.pages import split
from app.services.integration.api_keys import Principal
from app.services.pagination import decode_cursor, encode_cursor


async def create_contact(
    session: AsyncSession, principal: Principal, customer_id: str, body: ContactCreate, now: datetime
) -> ContactPublic:
    """Add a contact person to a company member (409 `not_a_company` for a person)."""
    member = await changed_member(session, principal, customer_id)
    if member.kind != Kind.company:
        raise NotACompany(f"member {customer_id} is a {member.kind}; only company members have contacts")
    values = body.model_dump()
    values.update(
        id=new_id("con"),
        customer_id=customer_id,
        phone=body.phone,  # E.164 and lower-case already: the request model normalises them
        email=body.email,
        created_at=now,
    )
    if body.is_main:
        await repo.clear_main(session, customer_id)
    await rows.add(session, tables.contact, values)
    return ContactPublic.model_validate(values)


async def list_contacts(
    session: AsyncSession, principal: Principal, customer_id: str, limit: int, cursor: str | None
) -> ContactPage:
    await seen_member(session, principal, customer_id)
    t = tables.contact
    found = await rows.page(
        session, t, Contact, [t.c.customer_id == customer_id], limit + 1, decode_cursor(cursor, "con")
    )
    page, after = split(found, limit)
    return ContactPage(
        items=[ContactPublic.model_validate(c.model_dump()) for c in page],
        next_cursor=encode_cursor(after) if after else None,
    )


async def create_activity(
    session: AsyncSession, principal: Principal, customer_id: str, body: ActivityCreate, now: datetime
) -> ActivityPublic:
    """Log a contact with the member; a `follow_up_on` date makes it a reminder."""
    await seen_member(session, principal, customer_id)
    values = body.model_dump()
    values.update(
        id=new_id("act"),
        customer_id=customer_id,
        occurred_at=(body.occurred_at or now).astimezone(UTC),
        created_at=now,
    )
    await rows.add(session, tables.activity, values)
    return ActivityPublic.model_validate(values)


async def list_activities(
    session: AsyncSession, principal: Principal, customer_id: str, limit: int, cursor: str | None
) -> ActivityPage:
    await seen_member(session, principal, customer_id)
    t = tables.activity
    found = await rows.page(
        session, t, Activity, [t.c.customer_id == customer_id], limit + 1, decode_cursor(cursor, "act")
    )
    page, after = split(found, limit)
    return ActivityPage(
        items=[ActivityPublic.model_validate(a.model_dump()) for a in page],
        next_cursor=encode_cursor(after) if after else None,
    )
