"""Reminders due in the next N days: birthdays, purchase anniversaries, follow-ups, maintenance.

`list_reminders` is what a worker calls to raise them as alerts: each carries a stable
`key`, so raising only unseen keys raises each reminder once. The rules themselves live in
`domain.crm.reminders`; `today` is the caller's (the API passes today's UTC date). A
store-bound key gets the reminders of the members it sees (`reach`); the worker, every one.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm import reminders as rules
from app.domain.crm.reminders import Reminder
from app.models import ServiceType
from app.models.crm.reminders import ReminderPage, ReminderPublic
from app.repositories.crm import maintenance as maintenance_repo
from app.repositories.crm import reminders as repo
from app.repositories.crm.seen import EVERYONE, Reach
from app.services.integration.api_keys import Principal
from app.services.loyalty.rules import load_rules
from app.services.pagination import decode_number_cursor, encode_cursor

MAX_DAYS = 366


async def list_reminders(
    session: AsyncSession, today: date, days: int, reach: Reach = EVERYONE
) -> list[Reminder]:
    """Every reminder due from `today` to `today + days`, soonest first (overdue maintenance too).

    With `reach`, only those of the members it covers.
    """
    found = [
        *await _yearly(session, today, days, reach),
        *await _follow_ups(session, today, days, reach),
        *await _maintenance(session, today, days, reach),
    ]
    return rules.ordered([r for r in found if r is not None])


async def _yearly(session: AsyncSession, today: date, days: int, reach: Reach) -> list[Reminder | None]:
    months = rules.months_in(today, days)
    found = [
        rules.birthday(i, name, born, today, days)
        for i, name, born in await repo.birthdays(session, months, reach)
    ]
    for contact_id, member_id, name, born in await repo.contact_birthdays(session, months, reach):
        found.append(rules.birthday(member_id, name, born, today, days, contact_id=contact_id))
    for v in await repo.purchases(session, months, reach):
        if v.purchase_date is not None:
            label = " ".join(p for p in (v.make, v.model, v.plate or v.vin) if p)
            found.append(rules.purchase_anniversary(v.customer_id, v.id, label, v.purchase_date, today, days))
    return found


async def _follow_ups(session: AsyncSession, today: date, days: int, reach: Reach) -> list[Reminder | None]:
    due = await repo.follow_ups(session, today, rules.window_end(today, days), reach)
    return [rules.follow_up(a, member, subject, on, today, days) for a, member, subject, on in due]


async def _maintenance(session: AsyncSession, today: date, days: int, reach: Reach) -> list[Reminder | None]:
    types = {code: s for code, s in (await load_rules(session)).service_types.items() if _has_interval(s)}
    latest = await maintenance_repo.latest_per_type(session, sorted(types), reach)
    odometers = await repo.odometers(session, {m.vehicle_id for m in latest if m.vehicle_id})
    return [
        rules.maintenance_due(
            last,
            interval_days=types[last.service_type].maintenance_interval_days,
            interval_km=types[last.service_type].maintenance_interval_km,
            odometer_km=odometers.get(last.vehicle_id) if last.vehicle_id else None,
            today=today,
            days=days,
        )
        for last in latest
    ]


def _has_interval(kind: ServiceType) -> bool:
    return kind.maintenance_interval_days is not None or kind.maintenance_interval_km is not None


async def page_reminders(
    session: AsyncSession, principal: Principal, today: date, days: int, limit: int, cursor: str | None
) -> ReminderPage:
    """A page of the reminders of the members the caller sees; the cursor is a position in their order."""
    start = decode_number_cursor(cursor) or 0
    everything = await list_reminders(session, today, days, principal.reach)
    page = everything[start : start + limit]
    more = start + limit < len(everything)
    return ReminderPage(
        items=[ReminderPublic.model_validate(r, from_attributes=True) for r in page],
        next_cursor=encode_cursor(str(start + limit)) if more else None,
    )
