"""Campaign rules and incentives: worked cases (hand-computed cents) and properties."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.crm.errors import IllegalTransition
from app.domain.errors import InvalidInput
from app.domain.loyalty.settlement import LineInput, settle_purchase
from app.domain.marketing.campaign_errors import CampaignState
from app.domain.marketing.campaign_incentives import (
    Incentive,
    bonus_reversal,
    campaign_extras,
    with_extra_rebates,
)
from app.domain.marketing.campaign_rules import (
    CampaignStatus as S,
)
from app.domain.marketing.campaign_rules import (
    check_budget,
    check_executable,
    check_transition,
    in_holdout,
)

D = Decimal
X = D("0.8")
BASKET = [LineInput(D("1000.00"), D("0.35")), LineInput(D("2000.00"), D("0.25"))]
KINDS = ["maintenance", "parts"]


def extras(incentives: list[Incentive], rate: Decimal) -> tuple[Decimal, list[tuple[str, str, str]]]:
    plain = settle_purchase(BASKET, X, rate)
    boosted = settle_purchase(with_extra_rebates(BASKET, KINDS, incentives), X, rate)
    found = campaign_extras(plain, boosted, KINDS, incentives)
    return boosted.points, [(e.campaign_id, f"{e.bonus_points:.2f}", f"{e.extra_rebate:.2f}") for e in found]


@pytest.mark.parametrize(
    ("incentives", "rate", "points", "expected"),
    [
        ([Incentive("a", D(2), None, frozenset({"maintenance"}))], D(0), "1280.00",
         [("a", "480.00", "0.00")]),
        ([Incentive("a", D(2))], D(0), "1280.00", [("a", "1280.00", "0.00")]),
        ([Incentive("a", D("1.5"), None, frozenset({"parts"}))], D(0), "1280.00", [("a", "400.00", "0.00")]),
        # e = 0.05 on maintenance: rebate 24.00, Zm 1,256.00, Zm' 1,712.00
        ([Incentive("a", D(2), D("0.05"), frozenset({"maintenance"}))], D(0), "1256.00",
         [("a", "456.00", "24.00")]),
        # silver (d = 0.05) and e = 0.05 on both lines: rebates round2(0.1 × 480) = 48 and
        # round2(0.1 × 800) = 80 against 24 and 40; Zm = 0.8 × 722 + 0.2 × 2,872 = 1,152.00
        ([Incentive("a", None, D("0.05"))], D("0.05"), "1152.00", [("a", "0.00", "64.00")]),
        # two campaigns: the larger e applies alone; each multiplier is its own bonus
        ([Incentive("a", D(2), D("0.05")), Incentive("b", D(3), D("0.02"))], D(0), "1216.00",
         [("a", "1216.00", "64.00"), ("b", "2432.00", "0.00")]),
        ([Incentive("a", None, None, frozenset({"insurance"}))], D(0), "1280.00", []),
    ],
)  # fmt: skip
def test_worked_cases(incentives: list[Incentive], rate: Decimal, points: str, expected: list[Any]) -> None:
    assert extras(incentives, rate) == (D(points), expected)


def test_extra_rebate_is_capped_at_profit() -> None:
    line = [LineInput(D("1000.00"), D("0.05"))]
    boosted = settle_purchase(with_extra_rebates(line, ["parts"], [Incentive("a", None, D("0.5"))]), X, D(0))
    assert boosted.lines[0].rebate == D("50.00") and boosted.payable == D("950.00")


def test_bonus_reversal() -> None:
    assert bonus_reversal(D("480"), D(0), D("1280"), D("311.11"), last=False) == D("116.67")
    assert bonus_reversal(D("480"), D("116.67"), D("1280"), D("968.89"), last=True) == D("363.33")
    assert bonus_reversal(D("10"), D("9.99"), D("100"), D("50"), last=False) == D(
        "0.01"
    )  # never more than left
    assert bonus_reversal(D("10"), D(0), D(0), D(0), last=False) == D(0)


def test_workflow() -> None:
    check_transition(S.draft, S.scheduled)
    check_transition(S.scheduled, S.draft)
    check_transition(S.running, S.finished)
    for current, target in [(S.draft, S.running), (S.scheduled, S.running), (S.finished, S.cancelled),
                            (S.cancelled, S.draft), (S.draft, S.finished)]:  # fmt: skip
        with pytest.raises(IllegalTransition):
            check_transition(current, target)
    check_executable(S.scheduled)
    check_executable(S.running)
    for status in (S.draft, S.finished, S.cancelled):
        with pytest.raises(CampaignState):
            check_executable(status)


def test_budget_must_cover_one_award() -> None:
    check_budget(D("1.00"), D("100.00"), D("0.01"))
    check_budget(None, D("100.00"), D("0.01"))
    with pytest.raises(InvalidInput):
        check_budget(D("0.99"), D("100.00"), D("0.01"))
    with pytest.raises(InvalidInput):
        check_budget(D(0), None, D("0.01"))


def test_holdout_draw_is_stable_and_near_its_share() -> None:
    ids = [f"cus_{i:026d}" for i in range(4000)]
    held = [i for i in ids if in_holdout(i, "cmp_X", D("0.25"))]
    assert held == [i for i in ids if in_holdout(i, "cmp_X", D("0.25"))]
    assert 900 < len(held) < 1100
    assert not any(in_holdout(i, "cmp_X", D(0)) for i in ids)
    assert set(held) <= {i for i in ids if in_holdout(i, "cmp_X", D("0.5"))}  # a larger share holds more


amounts = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
margins = st.decimals(min_value=D("-1"), max_value=D("1"), places=4)
multipliers = st.decimals(min_value=D("1.0001"), max_value=D("10"), places=4)
extra_rates = st.decimals(min_value=D("0.0001"), max_value=D("0.9999"), places=4)


@given(st.lists(st.tuples(amounts, margins, st.sampled_from(KINDS)), min_size=1, max_size=5), multipliers,
       extra_rates, st.decimals(min_value=D(0), max_value=D("0.5"), places=4))  # fmt: skip
def test_bonus_never_negative_and_never_below_cost(
    lines: list[tuple[Decimal, Decimal, str]], m: Decimal, e: Decimal, d: Decimal
) -> None:
    inputs = [LineInput(a, g) for a, g, _ in lines]
    kinds = [k for _, _, k in lines]
    inc = [Incentive("a", m, e, frozenset({"maintenance"}))]
    plain = settle_purchase(inputs, X, d)
    boosted = settle_purchase(with_extra_rebates(inputs, kinds, inc), X, d)
    for extra in campaign_extras(plain, boosted, kinds, inc):
        assert extra.bonus_points >= 0 and extra.extra_rebate >= 0
    for line, result in zip(inputs, boosted.lines, strict=True):
        assert result.paid >= line.amount - max(result.list_profit, D(0))  # never below cost
