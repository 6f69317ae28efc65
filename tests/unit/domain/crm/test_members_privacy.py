"""Merge netting, the undo window, and erasure's redaction: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.crm.erasure import REDACTED, placeholder_vin, redact
from app.domain.crm.merges import netted, undo_open

D = Decimal
points = st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("survivor", "duplicate", "expected"),
    [
        (D("100.00"), D("50.00"), D("0.00")),  # both positive: the lots simply add up
        (D("100.00"), D("-30.00"), D("30.00")),  # the debt nets against the survivor's lots
        (D("-30.00"), D("100.00"), D("30.00")),  # and against the duplicate's
        (D("20.00"), D("-30.00"), D("20.00")),  # at most what the lots hold: the rest stays a debt
        (D("-20.00"), D("-30.00"), D("0.00")),  # no lots to take from
        (D("0.00"), D("0.00"), D("0.00")),
    ],
)
def test_netted(survivor: Decimal, duplicate: Decimal, expected: Decimal) -> None:
    assert netted(survivor, duplicate) == expected


@given(points, points)
def test_after_netting_the_lots_hold_max_zero_of_the_merged_balance(a: Decimal, b: Decimal) -> None:
    lots = max(D(0), a) + max(D(0), b)
    taken = netted(a, b)
    assert D(0) <= taken <= lots
    assert lots - taken == max(D(0), a + b)


def test_undo_window_excludes_its_end() -> None:
    at = datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert undo_open(at, at + timedelta(days=29, hours=23), 30)
    assert not undo_open(at, at + timedelta(days=30), 30)
    assert not undo_open(at, at, 0)


def test_redact_keeps_field_names_and_non_personal_values() -> None:
    changes = [
        {"field": "name", "old": "张三", "new": "张三丰"},
        {"field": "phone", "old": None, "new": "+8613800138000"},
        {"field": "tier", "old": "standard", "new": "silver"},
        {"field": "consent.sms", "old": None, "new": True},
    ]
    assert redact(changes) == [
        {"field": "name", "old": REDACTED, "new": REDACTED},
        {"field": "phone", "old": None, "new": REDACTED},
        {"field": "tier", "old": "standard", "new": "silver"},
        {"field": "consent.sms", "old": None, "new": True},
    ]
    assert redact(redact(changes)) == redact(changes)


def test_placeholder_vins_are_17_characters_and_distinct() -> None:
    made = {placeholder_vin(f"veh_01J{n:023d}") for n in range(100)}
    assert len(made) == 100 and all(len(v) == 17 and v.startswith("ERASED") for v in made)
