"""Merging a duplicate member into a survivor: the pure rules (points in hundredths, exact).

Balances add up. Points lots hold max(0, balance) per member, so when one of the two
balances is negative the lots moved together exceed what the merged balance may hold: the
excess is taken from the survivor's lots (the negative balance nets against the positive
one, and the outstanding liability falls by that much). Otherwise the total liability is
unchanged: the points only change hands.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

ZERO = Decimal("0.00")


def netted(survivor_balance: Decimal, duplicate_balance: Decimal) -> Decimal:
    """Points the lots must give up when the two balances are added (≥ 0)."""
    held = max(ZERO, survivor_balance) + max(ZERO, duplicate_balance)
    return held - max(ZERO, survivor_balance + duplicate_balance)


def undo_open(merged_at: datetime, now: datetime, window_days: int) -> bool:
    """An admin may undo a merge up to `window_days` days after it (the end excluded)."""
    return now < merged_at + timedelta(days=window_days)
