"""Reminder rules with a fixed `today`: windows, leap days, stable keys, overdue maintenance."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.crm import reminders as r
from app.domain.crm.reminders import LastMaintenance, ReminderKind

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("origin", "today", "expected"),
    [
        (date(1985, 11, 26), TODAY, date(2026, 11, 26)),  # today counts
        (date(1985, 11, 25), TODAY, date(2027, 11, 25)),  # just passed: next year
        (date(1985, 12, 31), TODAY, date(2026, 12, 31)),
        (date(2000, 2, 29), date(2027, 1, 1), date(2027, 2, 28)),  # leap day in a common year
        (date(2000, 2, 29), date(2028, 1, 1), date(2028, 2, 29)),
        (date(2026, 11, 26), TODAY, date(2027, 11, 26)),  # bought today: the first anniversary is next year
        (date(2027, 1, 1), TODAY, None),  # in the future
    ],
)
def test_next_anniversary(origin: date, today: date, expected: date | None) -> None:
    assert r.next_anniversary(origin, today) == expected


def test_birthday_window_and_key() -> None:
    inside = r.birthday("cus_1", "张三", date(1985, 12, 1), TODAY, 5)
    assert inside is not None and inside.due_on == date(2026, 12, 1)
    assert inside.key == "birthday:cus_1:2026-12-01" and inside.kind == ReminderKind.birthday
    assert r.birthday("cus_1", "张三", date(1985, 12, 2), TODAY, 5) is None
    assert r.birthday("cus_1", "张三", date(1985, 11, 26), TODAY, 0) is not None


def test_purchase_anniversary_counts_years() -> None:
    found = r.purchase_anniversary("cus_1", "veh_1", "VW Tiguan", date(2023, 12, 3), TODAY, 10)
    assert found is not None and found.due_on == date(2026, 12, 3) and "3 year(s)" in found.subject
    assert found.key == "purchase_anniversary:veh_1:2026-12-03"


def test_follow_up_only_inside_the_window() -> None:
    assert r.follow_up("act_1", "cus_1", "call back", date(2026, 11, 30), TODAY, 7) is not None
    assert r.follow_up("act_1", "cus_1", "call back", date(2026, 11, 25), TODAY, 7) is None
    assert r.follow_up("act_1", "cus_1", "call back", date(2026, 12, 4), TODAY, 7) is None


LAST = LastMaintenance("mnt_1", "cus_1", "veh_1", "maintenance", date(2026, 6, 1), 10_000)


@pytest.mark.parametrize(
    ("interval_days", "interval_km", "odometer", "days", "due"),
    [
        (180, None, None, 30, date(2026, 11, 28)),  # due in two days
        (180, None, None, 1, None),  # outside a one-day window
        (90, None, None, 0, date(2026, 8, 30)),  # overdue stays listed
        (365, 5000, 15_000, 0, TODAY),  # ran 5000 km since: due now
        (365, 5000, 14_999, 0, None),
        (None, 5000, 20_000, 0, TODAY),  # km only
        (None, None, 20_000, 30, None),  # no interval, no reminder
    ],
)
def test_maintenance_due(
    interval_days: int | None, interval_km: int | None, odometer: int | None, days: int, due: date | None
) -> None:
    found = r.maintenance_due(
        LAST,
        interval_days=interval_days,
        interval_km=interval_km,
        odometer_km=odometer,
        today=TODAY,
        days=days,
    )
    assert (found.due_on if found else None) == due
    if found:
        assert found.key == "maintenance_due:cus_1:veh_1:maintenance:mnt_1"


def test_extreme_dates_do_not_overflow() -> None:
    far = date(9999, 12, 1)
    assert r.birthday("c", "n", date(1990, 12, 31), far, 366) is not None
    assert r.next_anniversary(date(1990, 11, 1), far) is None
    last = LastMaintenance("m", "c", None, "maintenance", date(9999, 12, 30), None)
    assert r.maintenance_due(
        last, interval_days=3650, interval_km=None, odometer_km=None, today=far, days=366
    )


@pytest.mark.parametrize(
    ("today", "days", "months"),
    [
        (date(2026, 11, 26), 0, {11}),
        (date(2026, 11, 26), 30, {11, 12}),
        (date(2026, 12, 20), 45, {12, 1, 2}),
        (date(2026, 1, 1), 365, set(range(1, 13))),
        (date(2026, 3, 1), 366, set(range(1, 13))),
    ],
)
def test_months_in_window(today: date, days: int, months: set[int]) -> None:
    assert r.months_in(today, days) == months
