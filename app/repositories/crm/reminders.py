"""The few columns reminders are computed from, for the members a caller sees.

`reach` limits each query to the members a restricted key sees (`seen.member_ids`); `EVERYONE`
means every live member (an unrestricted key, the worker).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, extract, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Vehicle
from app.repositories import tables
from app.repositories.crm import seen
from app.repositories.crm.consents import consenting
from app.repositories.crm.seen import EVERYONE, Reach

c = tables.customer


def _marketable(reach: Reach) -> Select[tuple[str]]:
    """Members the reach covers who consent to marketing on some channel (`domain.crm.consents`)."""
    return seen.member_ids(reach).where(c.c.id.in_(consenting()))


async def birthdays(
    session: AsyncSession, months: frozenset[int], reach: Reach = EVERYONE
) -> list[tuple[str, str, date]]:
    """(id, name, birthday) of live, consenting members born in one of `months`."""
    query = select(c.c.id, c.c.name, c.c.birthday).where(
        c.c.id.in_(_marketable(reach)), extract("month", c.c.birthday).in_(sorted(months))
    )
    return [(r.id, r.name, r.birthday) for r in await session.execute(query)]


async def contact_birthdays(
    session: AsyncSession, months: frozenset[int], reach: Reach = EVERYONE
) -> list[tuple[str, str, str, date]]:
    """(contact id, member id, name, birthday) of contacts of live, consenting members born in
    one of `months`."""
    k = tables.contact
    query = select(k.c.id, k.c.customer_id, k.c.name, k.c.birthday).where(
        k.c.customer_id.in_(_marketable(reach)), extract("month", k.c.birthday).in_(sorted(months))
    )
    return [(r.id, r.customer_id, r.name, r.birthday) for r in await session.execute(query)]


async def purchases(session: AsyncSession, months: frozenset[int], reach: Reach = EVERYONE) -> list[Vehicle]:
    """Vehicles of live, consenting members bought in one of `months` (any year)."""
    v = tables.vehicle
    query = select(v).where(
        v.c.customer_id.in_(_marketable(reach)),
        extract("month", v.c.purchase_date).in_(sorted(months)),
    )
    return [Vehicle.model_validate(r._mapping) for r in await session.execute(query)]


async def odometers(session: AsyncSession, vehicle_ids: set[str]) -> dict[str, int | None]:
    v = tables.vehicle
    if not vehicle_ids:
        return {}
    query = select(v.c.id, v.c.odometer_km).where(v.c.id.in_(sorted(vehicle_ids)))
    return {r.id: r.odometer_km for r in await session.execute(query)}


async def follow_ups(
    session: AsyncSession, first: date, last: date, reach: Reach = EVERYONE
) -> list[tuple[str, str, str, date]]:
    """Activities of live members with a follow-up date in [first, last]."""
    a = tables.activity
    query = select(a.c.id, a.c.customer_id, a.c.subject, a.c.follow_up_on).where(
        a.c.customer_id.in_(seen.member_ids(reach)), a.c.follow_up_on.between(first, last)
    )
    return [(r.id, r.customer_id, r.subject, r.follow_up_on) for r in await session.execute(query)]
