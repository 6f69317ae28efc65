"""Invariants of the formula over generated purchases (Hypothesis prints a failing example)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.domain.loyalty.grading import TierRule, grade
from app.domain.loyalty.refunds import RefundableLine, RefundRequest, reverse
from app.domain.loyalty.settlement import LineInput, settle_purchase
from app.domain.money import ZERO

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500000"), places=2)
margins = st.decimals(min_value=Decimal("-1"), max_value=Decimal("1"), places=4)
nonneg_margins = st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4)
weights = st.decimals(min_value=Decimal("0"), max_value=Decimal("5"), places=2)
xs = st.decimals(min_value=Decimal("0.5001"), max_value=Decimal("1"), places=4)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.9999"), places=4)


def lines_of(margin_strategy: st.SearchStrategy[Decimal]) -> st.SearchStrategy[list[LineInput]]:
    line = st.builds(LineInput, amount=amounts, margin=margin_strategy, weight=weights)
    return st.lists(line, min_size=1, max_size=6)


@given(lines_of(margins), xs, rates)
def test_rebate_and_points_never_negative(lines: list[LineInput], x: Decimal, rate: Decimal) -> None:
    s = settle_purchase(lines, x, rate)
    assert s.points >= 0
    assert all(line.rebate >= 0 for line in s.lines)
    assert s.payable == sum((ln.amount for ln in lines), ZERO) - s.rebate


@given(lines_of(nonneg_margins), xs, rates)
def test_payable_never_below_cost(lines: list[LineInput], x: Decimal, rate: Decimal) -> None:
    s = settle_purchase(lines, x, rate)
    cost = sum((r.amount - r.list_profit for r in s.lines), ZERO)
    assert s.payable >= cost
    assert all(r.profit_points >= 0 for r in s.lines)


@given(st.lists(st.decimals(min_value=0, max_value=10**6, places=2), min_size=2, max_size=2))
def test_grading_is_monotone(points: list[Decimal]) -> None:
    tiers = [
        TierRule("standard", Decimal(0), Decimal(0)),
        TierRule("silver", Decimal(5000), Decimal("0.05")),
        TierRule("gold", Decimal(20000), Decimal("0.10")),
    ]
    low, high = sorted(points)
    assert grade(tiers, low).threshold <= grade(tiers, high).threshold
    assert grade(tiers, high).threshold <= high


@given(lines_of(margins), xs, rates, st.data())
def test_refunds_add_up_to_the_purchase_points(
    lines: list[LineInput], x: Decimal, rate: Decimal, data: st.DataObject
) -> None:
    s = settle_purchase(lines, x, rate)
    state = [
        RefundableLine(i, r.paid, r.weight, r.profit_points, r.consumption_points)
        for i, r in enumerate(s.lines, start=1)
    ]
    reversed_points = ZERO
    for _ in range(data.draw(st.integers(0, 3))):
        open_lines = [ln for ln in state if ln.refundable > 0]
        if not open_lines:
            break
        picked = data.draw(st.lists(st.sampled_from(open_lines), min_size=1, unique_by=lambda ln: ln.line_no))
        requests = [
            RefundRequest(
                ln.line_no,
                data.draw(st.decimals(min_value=Decimal("0.01"), max_value=ln.refundable, places=2)),
            )
            for ln in picked
        ]
        r = reverse(state, requests, x=x, purchase_points=s.points, reversed_points=reversed_points)
        assert 0 <= r.points <= s.points - reversed_points
        reversed_points += r.points
        done = {ln.line_no: ln for ln in r.lines}
        state = [ln.after(done[ln.line_no]) if ln.line_no in done else ln for ln in state]
    if any(ln.refundable > 0 for ln in state):
        final = reverse(state, None, x=x, purchase_points=s.points, reversed_points=reversed_points)
        reversed_points += final.points
        assert final.completes_purchase
    assert reversed_points == s.points
