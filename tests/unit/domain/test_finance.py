"""The liability bands, stripes and the settlement plan (pure functions)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.finance.liability import (
    STRIPES,
    Band,
    Thresholds,
    band,
    crossed_upward,
    delta,
    money,
    stripe_of,
    threshold_problems,
)
from app.domain.finance.settlements import Holder, plan

D = Decimal
T = Thresholds(warning=D("1000"), critical=D("2000"), target=D("500"))


@pytest.mark.parametrize(
    ("liability", "expected"),
    [
        (D("0"), Band.normal),
        (D("999.99"), Band.normal),
        (D("1000"), Band.warning),
        (D("2000"), Band.critical),
    ],
)
def test_band(liability: Decimal, expected: Band) -> None:
    assert band(liability, T) is expected


@pytest.mark.parametrize(
    ("before", "after", "crossed"),
    [
        (Band.normal, Band.warning, [Band.warning]),
        (Band.normal, Band.critical, [Band.warning, Band.critical]),
        (Band.warning, Band.critical, [Band.critical]),
        (Band.critical, Band.normal, []),
        (Band.warning, Band.warning, []),
    ],
)
def test_crossed_upward(before: Band, after: Band, crossed: list[Band]) -> None:
    assert crossed_upward(before, after) == crossed


@pytest.mark.parametrize(
    ("before", "after", "positive", "total", "members"),
    [
        ("0", "480", "480", "480", 1),
        ("480", "80", "-400", "-400", 0),
        ("80", "-400", "-80", "-480", -1),
        ("-400", "-100", "0", "300", 0),
        ("-100", "200", "200", "300", 1),
    ],
)
def test_delta_counts_only_positive_balances(
    before: str, after: str, positive: str, total: str, members: int
) -> None:
    d = delta(D(before), D(after))
    assert (d.positive_points, d.total_points, d.positive_members) == (D(positive), D(total), members)


def test_stripes_are_stable_and_in_range() -> None:
    assert stripe_of("cus_01ABC") == stripe_of("cus_01ABC")
    assert {stripe_of(f"cus_{i}") for i in range(5000)} == set(range(STRIPES))


def test_money_rounds_half_up() -> None:
    assert money(D("0.50"), D("0.01")) == D("0.01") and money(D("0.49"), D("0.01")) == D("0.00")


def test_thresholds_must_be_ordered() -> None:
    assert threshold_problems(T) == []
    assert threshold_problems(Thresholds(D("1000"), D("2000"), D("1000"))) == []
    assert [p.field for p in threshold_problems(Thresholds(D("1000"), D("2000"), D("1001")))] == [
        "liability_target"
    ]
    assert [p.field for p in threshold_problems(Thresholds(D("1000"), D("1000"), D("0")))] == [
        "liability_target",
        "liability_critical",
    ]


def test_plan_takes_the_largest_above_the_minimum_until_target() -> None:
    holders = [Holder("a", D("900")), Holder("b", D("700")), Holder("c", D("300")), Holder("d", D("50"))]
    planned = plan(D("1950"), D("1"), D("500"), D("100"), holders)
    assert [(p.customer_id, p.points, p.amount) for p in planned] == [
        ("a", D("900"), D("900.00")),
        ("b", D("700"), D("700.00")),
    ]
    assert plan(D("400"), D("1"), D("500"), D("0"), holders) == []


balances = st.lists(st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2), max_size=30)


@given(balances, st.decimals(min_value=D("0"), max_value=D("100000"), places=2))
def test_plan_reaches_target_or_pays_everyone_eligible(held: list[Decimal], target: Decimal) -> None:
    holders = [Holder(str(i), b) for i, b in enumerate(sorted(held, reverse=True))]
    total = sum(held, D(0))
    planned = plan(total, D("0.01"), target, D("0"), holders)
    left = total - sum((p.points for p in planned), D(0))
    assert money(left, D("0.01")) <= target or len(planned) == len(holders)
    # never more members than needed: without the last one the target was not yet reached
    if planned:
        assert money(left + planned[-1].points, D("0.01")) > target
