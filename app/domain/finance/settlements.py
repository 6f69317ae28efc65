"""Forced partial settlement: which balances to pay out, largest first, until the liability is at target.

Points are decimals with 2 places; money values are round2(points × point value). A member
is settled for its whole balance (a voucher for all of it), so the run may end below target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from app.domain.finance.liability import money


@dataclass(frozen=True)
class Holder:
    customer_id: str
    balance: Decimal


@dataclass(frozen=True)
class Planned:
    customer_id: str
    points: Decimal
    amount: Decimal


def above_target(liability_points: Decimal, point_value: Decimal, target: Decimal) -> bool:
    """Whether the liability (money) still exceeds the target (money)."""
    return money(liability_points, point_value) > target


def settleable(balance: Decimal, min_balance: Decimal) -> bool:
    """Only positive balances at or above the minimum are paid out."""
    return balance > 0 and balance >= min_balance


def plan(
    liability_points: Decimal,
    point_value: Decimal,
    target: Decimal,
    min_balance: Decimal,
    holders: Iterable[Holder],
) -> list[Planned]:
    """The members a run would settle, in order; `holders` come largest balance first."""
    planned: list[Planned] = []
    left = liability_points
    for h in holders:
        if not above_target(left, point_value, target):
            break
        if not settleable(h.balance, min_balance):
            continue
        planned.append(Planned(h.customer_id, h.balance, money(h.balance, point_value)))
        left -= h.balance
    return planned
