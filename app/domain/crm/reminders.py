"""What to remind staff of in the next N days: pure rules over dates, with a given `today`.

Every reminder carries a stable `key`: the same event gives the same key on every run, so
whoever raises reminders as alerts raises each once.
- birthday: the next birthday of a member, or of a company member's contact, within the
  window (29 February falls on 28 February in other years);
- purchase anniversary: the yearly return of a vehicle's purchase date (year 1 on);
- follow-up: an activity's follow-up date within the window;
- maintenance due: the last maintenance of a service type on a vehicle, plus the type's
  interval in days, on or before the window's end (overdue ones stay listed until a newer
  maintenance of that type is recorded); or, when the type has a km interval, as soon as
  the vehicle's odometer has run that far since the last one (due today).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class ReminderKind(StrEnum):
    birthday = "birthday"
    purchase_anniversary = "purchase_anniversary"
    follow_up = "follow_up"
    maintenance_due = "maintenance_due"


@dataclass(frozen=True)
class Reminder:
    kind: ReminderKind
    key: str
    due_on: date
    customer_id: str
    subject: str
    vehicle_id: str | None = None
    service_type: str | None = None
    activity_id: str | None = None
    contact_id: str | None = None


@dataclass(frozen=True)
class LastMaintenance:
    """The latest maintenance of one service type on one vehicle (or on no vehicle)."""

    record_id: str
    customer_id: str
    vehicle_id: str | None
    service_type: str
    performed_on: date
    mileage_km: int | None


def _in_year(origin: date, year: int) -> date:
    if origin.month == 2 and origin.day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, origin.month, origin.day)


def next_anniversary(origin: date, today: date) -> date | None:
    """The first yearly return of `origin` on or after `today`, never `origin` itself."""
    for year in (today.year, today.year + 1):
        if year > date.max.year:
            return None
        candidate = _in_year(origin, year)
        if candidate >= today and candidate > origin:
            return candidate
    return None


def months_in(today: date, days: int) -> frozenset[int]:
    """The calendar months the window touches: yearly events outside them cannot fall in it."""
    if days >= 366:
        return frozenset(range(1, 13))
    end = window_end(today, days)
    months, year, month = set(), today.year, today.month
    while (year, month) <= (end.year, end.month):
        months.add(month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return frozenset(months)


def window_end(today: date, days: int) -> date:
    return today + timedelta(days=days) if (date.max - today).days > days else date.max


def birthday(
    customer_id: str, name: str, born: date, today: date, days: int, contact_id: str | None = None
) -> Reminder | None:
    """The next birthday of a member, or of one of its contacts when `contact_id` is given."""
    when = next_anniversary(born, today)
    if when is None or when > window_end(today, days):
        return None
    return Reminder(
        ReminderKind.birthday,
        f"birthday:{contact_id or customer_id}:{when.isoformat()}",
        when,
        customer_id,
        f"{name}'s birthday",
        contact_id=contact_id,
    )


def purchase_anniversary(
    customer_id: str, vehicle_id: str, label: str, bought: date, today: date, days: int
) -> Reminder | None:
    when = next_anniversary(bought, today)
    if when is None or when > window_end(today, days):
        return None
    years = when.year - bought.year
    return Reminder(
        ReminderKind.purchase_anniversary,
        f"purchase_anniversary:{vehicle_id}:{when.isoformat()}",
        when,
        customer_id,
        f"{years} year(s) since {label} was bought",
        vehicle_id=vehicle_id,
    )


def follow_up(
    activity_id: str, customer_id: str, subject: str, due: date, today: date, days: int
) -> Reminder | None:
    if not today <= due <= window_end(today, days):
        return None
    return Reminder(
        ReminderKind.follow_up,
        f"follow_up:{activity_id}",
        due,
        customer_id,
        f"follow up: {subject}",
        activity_id=activity_id,
    )


def maintenance_due(
    last: LastMaintenance,
    *,
    interval_days: int | None,
    interval_km: int | None,
    odometer_km: int | None,
    today: date,
    days: int,
) -> Reminder | None:
    """When the next maintenance of `last`'s type falls due, if on or before the window's end."""
    due: date | None = None
    if interval_days is not None:
        gap = min(interval_days, (date.max - last.performed_on).days)
        due = last.performed_on + timedelta(days=gap)
    if (
        interval_km is not None
        and last.mileage_km is not None
        and odometer_km is not None
        and odometer_km - last.mileage_km >= interval_km
    ):
        due = min(due, today) if due is not None else today
    if due is None or due > window_end(today, days):
        return None
    place = last.vehicle_id or "member"
    return Reminder(
        ReminderKind.maintenance_due,
        f"maintenance_due:{last.customer_id}:{place}:{last.service_type}:{last.record_id}",
        due,
        last.customer_id,
        f"{last.service_type} due (last on {last.performed_on.isoformat()})",
        vehicle_id=last.vehicle_id,
        service_type=last.service_type,
    )


def ordered(reminders: list[Reminder]) -> list[Reminder]:
    """Soonest first, then by kind and key: a stable order for paging."""
    return sorted(reminders, key=lambda r: (r.due_on, r.kind.value, r.key))
