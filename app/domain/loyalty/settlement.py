"""One purchase settled by the profit-weighted formula of points.md.

All figures are Decimal; money and points are rounded with `round2` exactly where
points.md says so, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.domain.money import ONE, ZERO, round2, round4


@dataclass(frozen=True)
class LineInput:
    """A purchase line as the POS gives it: margin or cost (or neither: the default margin)."""

    amount: Decimal
    margin: Decimal | None = None
    cost: Decimal | None = None
    weight: Decimal = ONE
    # A running campaign's extra rebate rate e on this line (points.md): the rebate uses d + e.
    extra_rebate_rate: Decimal = ZERO


@dataclass(frozen=True)
class LineResult:
    amount: Decimal
    margin: Decimal
    weight: Decimal
    list_profit: Decimal
    rebate: Decimal
    paid: Decimal
    profit_points: Decimal
    consumption_points: Decimal


@dataclass(frozen=True)
class Settlement:
    lines: tuple[LineResult, ...]
    x: Decimal
    rebate_rate: Decimal
    rebate: Decimal
    payable: Decimal
    profit_points: Decimal
    consumption_points: Decimal
    points: Decimal


def list_profit(line: LineInput) -> Decimal:
    """P_i: round2(S_i × G_i), or S_i − cost when the POS gave the cost itself."""
    if line.cost is not None:
        return line.amount - line.cost
    assert line.margin is not None
    return round2(line.amount * line.margin)


def settle_line(line: LineInput, x: Decimal, rebate_rate: Decimal) -> LineResult:
    """Rebate, payable and points of one line; the rebate never takes the price below cost."""
    y = ONE - x
    profit = list_profit(line)
    blended = x * profit + y * line.weight * line.amount
    rate = rebate_rate + line.extra_rebate_rate
    rebate = min(max(ZERO, round2(rate * blended)), max(ZERO, profit))
    paid = line.amount - rebate
    margin = line.margin if line.margin is not None else round4(profit / line.amount)
    return LineResult(
        amount=line.amount,
        margin=margin,
        weight=line.weight,
        list_profit=profit,
        rebate=rebate,
        paid=paid,
        profit_points=profit - rebate,
        consumption_points=round2(line.weight * paid),
    )


def blend(x: Decimal, profit_points: Decimal, consumption_points: Decimal) -> Decimal:
    """Zm = round2(max(0, X × Zt + Y × Zu)): a purchase never earns negative points."""
    return round2(max(ZERO, x * profit_points + (ONE - x) * consumption_points))


def settle_purchase(lines: Sequence[LineInput], x: Decimal, rebate_rate: Decimal) -> Settlement:
    """Settle a purchase at the rebate rate of the tier held before it, with share X."""
    results = tuple(settle_line(line, x, rebate_rate) for line in lines)
    profit_points = sum((r.profit_points for r in results), ZERO)
    consumption_points = sum((r.consumption_points for r in results), ZERO)
    return Settlement(
        lines=results,
        x=x,
        rebate_rate=rebate_rate,
        rebate=sum((r.rebate for r in results), ZERO),
        payable=sum((r.paid for r in results), ZERO),
        profit_points=profit_points,
        consumption_points=consumption_points,
        points=blend(x, profit_points, consumption_points),
    )
