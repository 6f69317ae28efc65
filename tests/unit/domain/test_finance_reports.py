"""Pure finance rules: lot dates, consumption order, refunds after expiry, allocation, periods."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import InvalidInput
from app.domain.finance.expiry import (
    OpenLot,
    add_months,
    consumption_order,
    new_lot_remaining,
    refund_split,
    take,
)
from app.domain.finance.pnl import Row, allocate, next_period, periods
from app.domain.finance.points_payment import pay_with_points

D = Decimal


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2024, 2, 29, tzinfo=UTC), 12, datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2026, 11, 15, 8, 30, tzinfo=UTC), 14, datetime(2028, 1, 15, 8, 30, tzinfo=UTC)),
    ],
)
def test_add_months_clamps_to_the_month_end(start: datetime, months: int, expected: datetime) -> None:
    assert add_months(start, months) == expected


def test_consumption_takes_the_refunds_lot_then_unexpired_oldest_then_due() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    due = OpenLot("a", D(100), datetime(2026, 5, 1, tzinfo=UTC))
    old = OpenLot("b", D(100), datetime(2026, 7, 1, tzinfo=UTC))
    new = OpenLot("c", D(100), None)
    assert [lot.id for lot in consumption_order([due, old, new], now)] == ["b", "c", "a"]
    assert [lot.id for lot in consumption_order([due, old, new], now, first="c")] == ["c", "b", "a"]
    assert take([old, new], D("150.50")) == [("b", D(100)), ("c", D("50.50"))]


@pytest.mark.parametrize(
    ("reversed_points", "expired", "absorbed", "expected"),
    [
        (D(480), D(280), D(0), (D(200), D(280))),  # the redeemed part is taken, the expired is not
        (D(240), D(80), D(0), (D(160), D(80))),
        (D(240), D(80), D(80), (D(240), D(0))),  # never set off twice
        (D(100), D(0), D(0), (D(100), D(0))),
    ],
)
def test_refund_split(
    reversed_points: Decimal, expired: Decimal, absorbed: Decimal, expected: tuple[Decimal, Decimal]
) -> None:
    assert refund_split(reversed_points, expired, absorbed) == expected


def test_a_lot_fills_a_deficit_first() -> None:
    assert new_lot_remaining(D(480), D(30)) == D(30)
    assert new_lot_remaining(D(480), D(-5)) == D(0)
    assert new_lot_remaining(D(5), D(9)) == D(5)


@given(
    st.decimals(min_value=-10000, max_value=10000, places=2),
    st.lists(st.decimals(min_value=-1000, max_value=1000, places=4), min_size=1, max_size=8),
)
def test_allocation_adds_up_to_the_cent(total: Decimal, weights: list[Decimal]) -> None:
    parts = allocate(total, weights)
    assert len(parts) == len(weights) and sum(parts, D(0)) == total


def test_paying_with_points_never_exceeds_the_payable() -> None:
    assert pay_with_points(D("1000.00"), D("0.01"), D("10.00")).to_pay == D("0.00")
    paid = pay_with_points(D("333.33"), D("0.01"), D("100.00"))
    assert (paid.value, paid.to_pay) == (D("3.33"), D("96.67"))
    with pytest.raises(InvalidInput):
        pay_with_points(D("1000.01"), D("0.01"), D("10.00"))


def test_periods_and_margin() -> None:
    assert periods("month", date(2025, 11, 20), date(2026, 1, 3)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
    ]
    assert next_period("day", date(2026, 2, 28)) == date(2026, 3, 1)
    row = Row("x")
    row.add({"revenue": D(1000), "cost": D(650), "points_earned": D(480)})
    assert (row.net_margin(D("0.01")), Row("empty").net_margin(D("0.01"))) == (D("0.3452"), None)
