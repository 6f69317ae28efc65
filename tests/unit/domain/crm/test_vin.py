"""VIN check digits (ISO 3779, position 9): known valid VINs pass, every kind of fault is named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.crm.vin import check_digit, normalize_vin, vin_problem

VALID = [
    "1M8GDM9AXKP042788",  # the textbook example: check digit X
    "11111111111111111",
    "1HGCM82633A004352",
    "JH4KA7561PC008269",
    "1G1YY22G965104378".replace("9", "0", 1),  # position 9 fixed to the digit the rest gives
]
INVALID = [
    ("1M8GDM9A1KP042788", "check digit"),  # one digit off
    ("1HGCM82643A004352", "check digit"),
    ("WP0ZZZ99ZTS392124", "check digit"),  # European VINs often carry no check digit
    ("1M8GDM9AXKP04278", "17 characters"),
    ("1M8GDM9AXKP0427888", "17 characters"),
    ("1M8GDM9AXKP04278O", "letters I, O and Q"),
    ("IM8GDM9AXKP042788", "letters I, O and Q"),
    ("1M8GDM9AXKP04278Q", "letters I, O and Q"),
    ("1M8GDM9AXKP04278-", "'-'"),
    ("", "17 characters"),
]


@pytest.mark.parametrize("vin", VALID)
def test_known_valid_vins(vin: str) -> None:
    assert vin_problem(vin) is None


@pytest.mark.parametrize(("vin", "reason"), INVALID)
def test_invalid_vins_say_why(vin: str, reason: str) -> None:
    problem = vin_problem(vin)
    assert problem is not None and reason in problem


def test_normalized_before_checking() -> None:
    assert normalize_vin("  1m8gdm9axkp042788 ") == "1M8GDM9AXKP042788"


ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_setting_the_computed_check_digit_makes_any_vin_valid(raw: str) -> None:
    vin = raw[:8] + check_digit(raw) + raw[9:]
    assert vin_problem(vin) is None
    wrong = next(d for d in "0123456789X" if d != vin[8])
    assert vin_problem(vin[:8] + wrong + vin[9:]) is not None
