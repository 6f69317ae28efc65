"""Decimal helpers for money and points: 2 places, ROUND_HALF_UP (points.md `round2`)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
BASIS = Decimal("0.0001")
ZERO = Decimal("0.00")
ONE = Decimal(1)


def round2(value: Decimal) -> Decimal:
    """Round money or points to 2 places, half up (never banker's rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def round4(value: Decimal) -> Decimal:
    """Round a rate or margin to 4 places, half up."""
    return value.quantize(BASIS, rounding=ROUND_HALF_UP)
