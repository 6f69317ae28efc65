"""Paying with points (points.md "Paying with points"): a means of payment, not a price change."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.domain.errors import InvalidInput
from app.domain.money import round2


@dataclass(frozen=True)
class PointsPayment:
    points: Decimal
    value: Decimal  # round2(points × point value), money
    to_pay: Decimal  # payable − value: the money still due


def pay_with_points(points: Decimal, point_value: Decimal, payable: Decimal) -> PointsPayment:
    """Check R × point value ≤ payable (exactly, before rounding) and split the payable."""
    if points * point_value > payable:
        raise InvalidInput.at(
            "redeem_points", f"{points:.2f} points are worth more than the payable {payable:.2f}"
        )
    value = round2(points * point_value)
    return PointsPayment(points, value, payable - value)
