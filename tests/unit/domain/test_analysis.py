"""Member analysis rules: lifecycle stage, value, trend, problem, RFM quintiles, settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import InvalidInput
from app.domain.marketing.analysis import (
    DEFAULTS,
    MarketingSettings,
    Segment,
    Trend,
    is_problem,
    is_value,
    quintile,
    quintile_positions,
    quintile_scores,
    segments,
    trend,
    validate_settings,
    value_cut_position,
)
from app.domain.marketing.lifecycle import LifecycleStage, StageRule, lifecycle_stage

D = Decimal
NOW = datetime(2026, 11, 26, tzinfo=UTC)
S = LifecycleStage


@pytest.mark.parametrize(
    ("count", "days_ago", "rule", "expected"),
    [
        (0, None, StageRule(), S.exploration),
        (1, 0, StageRule(), S.formation),
        (3, 365, StageRule(), S.formation),  # exactly the window: not yet decline
        (3, 366, StageRule(), S.decline),
        (4, 10, StageRule(), S.stability),
        (40, 400, StageRule(), S.decline),
        (1, 10, StageRule(formation_from=2, stability_from=5), S.exploration),
        (2, 10, StageRule(formation_from=2, stability_from=5), S.formation),
        (4, 10, StageRule(formation_from=2, stability_from=5), S.formation),
        (5, 10, StageRule(formation_from=2, stability_from=5), S.stability),
        (5, 31, StageRule(decline_after_days=30), S.decline),
    ],
)
def test_lifecycle_stage(count: int, days_ago: int | None, rule: StageRule, expected: LifecycleStage) -> None:
    last = NOW - timedelta(days=days_ago) if days_ago is not None else None
    assert lifecycle_stage(count, last, NOW, rule) is expected


def test_the_default_rule_is_the_core_rule() -> None:
    assert DEFAULTS.stage_rule == StageRule(1, 4, 365)
    from app.domain.marketing.lifecycle import lifecycle_stage as core

    assert core is lifecycle_stage


@pytest.mark.parametrize(
    ("last", "previous", "expected"),
    [
        ("130.01", "100", Trend.rising),
        ("130.00", "100", None),
        ("69.99", "100", Trend.falling),
        ("70.00", "100", None),
        ("0", "100", Trend.falling),
        ("500", "0", None),  # no spend in the window before: no trend
        ("0", "0", None),
    ],
)
def test_trend(last: str, previous: str, expected: Trend | None) -> None:
    assert trend(D(last), D(previous), D("0.3")) == expected


@pytest.mark.parametrize(
    ("paid", "refunded", "complaints", "expected"),
    [
        ("1000", "300", 0, False),  # exactly the rate: not above it
        ("1000", "300.01", 0, True),
        ("0", "0", 0, False),
        ("0", "0", 1, True),  # any open complaint (above 0)
        ("1000", "0", 1, True),
    ],
)
def test_problem(paid: str, refunded: str, complaints: int, expected: bool) -> None:
    assert is_problem(D(paid), D(refunded), complaints, DEFAULTS) is expected


def test_problem_complaint_limit() -> None:
    s = replace(DEFAULTS, problem_open_complaints=2)
    assert not is_problem(D(0), D(0), 2, s)
    assert is_problem(D(0), D(0), 3, s)


@pytest.mark.parametrize(
    ("members", "share", "position"),
    [
        (0, "0.2", None),
        (1, "0.2", 0),
        (5, "0.2", 0),
        (6, "0.2", 1),
        (10, "0.2", 1),
        (10, "1", 9),
        (3, "0.01", 0),
    ],
)
def test_value_cut_position(members: int, share: str, position: int | None) -> None:
    assert value_cut_position(members, D(share)) == position


def test_value_needs_activity_profit_and_the_cut() -> None:
    assert is_value(D("100"), D("100"), True)
    assert not is_value(D("99.99"), D("100"), True)
    assert not is_value(D("100"), D("100"), False)
    assert not is_value(D("100"), None, True)
    assert not is_value(D("0"), D("0"), True)


def test_segments_order() -> None:
    assert segments(True, "falling", True) == [Segment.value, Segment.falling, Segment.problem]
    assert segments(False, None, False) == []


@pytest.mark.parametrize(
    ("values", "scores"),
    [
        ([1], [1]),
        ([1, 2], [1, 3]),
        ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]),
        ([5, 4, 3, 2, 1, 0, 0, 0, 0, 0], [5, 5, 4, 4, 3, 1, 1, 1, 1, 1]),
        ([7, 7, 7], [1, 1, 1]),
    ],
)
def test_quintile_scores(values: list[int], scores: list[int]) -> None:
    assert quintile_scores(values) == scores


def _reference(values: list[int]) -> list[int]:
    n = len(values)
    return [1 + (5 * sum(1 for w in values if w < v)) // n for v in values]


@given(st.lists(st.integers(-50, 50), min_size=1, max_size=60))
def test_quintiles_by_cuts_equal_the_rank_rule(values: list[int]) -> None:
    """Cuts at the order statistics score each value 1 + ⌊5 × (values below) / n⌋."""
    scores = quintile_scores(values)
    assert scores == _reference(values)
    assert all(1 <= s <= 5 for s in scores)
    assert min(scores) == 1


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=60), st.integers(-10, 1010))
def test_quintile_is_monotone_for_any_value(values: list[int], probe: int) -> None:
    cuts = [sorted(values)[p] for p in quintile_positions(len(values))]
    below, above = quintile(probe, cuts), quintile(probe + 1, cuts)
    assert 1 <= below <= above <= 5


@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=80), st.integers(1, 100))
def test_value_share_keeps_at_least_the_share_and_all_ties(profits: list[int], percent: int) -> None:
    share = D(percent) / 100
    ordered = sorted(profits, reverse=True)
    position = value_cut_position(len(profits), share)
    assert position is not None
    cutoff = D(ordered[position])
    chosen = [p for p in profits if is_value(D(p), cutoff, True)]
    assert len(chosen) >= max(1, -(-len(profits) * percent // 100))
    assert all(p >= cutoff for p in chosen) and all(p < cutoff for p in profits if p not in chosen)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"stability_from_purchases": 1}, "stability_from_purchases"),  # not above formation (1)
        ({"formation_from_purchases": 5, "stability_from_purchases": 4}, "stability_from_purchases"),
        ({"decline_after_days": 0}, "decline_after_days"),
        ({"decline_after_days": 100_000}, "decline_after_days"),
        ({"trend_window_days": 2000}, "trend_window_days"),
        ({"value_share": D(0)}, "value_share"),
        ({"value_share": D("1.5")}, "value_share"),
        ({"trend_change": D(1)}, "trend_change"),
        ({"trend_change": D("-0.1")}, "trend_change"),
        ({"problem_refund_rate": D("-0.01")}, "problem_refund_rate"),
        ({"problem_open_complaints": -1}, "problem_open_complaints"),
        ({"rfm_window_days": 0}, "rfm_window_days"),
    ],
)
def test_settings_refused_name_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_settings(replace(DEFAULTS, **change))  # type: ignore[arg-type]
    assert [e.field for e in refused.value.errors] == [field]


def test_default_settings_are_valid() -> None:
    validate_settings(MarketingSettings())
