"""Refund reversal (points.md "Refunds"): reverse the refunded part with the purchase's own X.

Proportional reversals are rounded per refund; the refund that completes a line reverses
exactly what is left of it, and the one that completes the purchase exactly what is left of
its points, so the reversals of a purchase add up to its points and never exceed them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from app.domain.errors import FieldProblem, InvalidInput, NothingToRefund
from app.domain.loyalty.settlement import blend
from app.domain.money import ZERO, round2


@dataclass(frozen=True)
class RefundableLine:
    """A posted line and what earlier refunds already took back from it."""

    line_no: int
    paid: Decimal
    weight: Decimal
    profit_points: Decimal
    consumption_points: Decimal
    refunded_amount: Decimal = ZERO
    reversed_profit_points: Decimal = ZERO
    reversed_consumption_points: Decimal = ZERO

    @property
    def refundable(self) -> Decimal:
        return self.paid - self.refunded_amount

    def after(self, done: ReversedLine) -> RefundableLine:
        """This line once `done` has been refunded from it."""
        return replace(
            self,
            refunded_amount=self.refunded_amount + done.amount,
            reversed_profit_points=self.reversed_profit_points + done.profit_points,
            reversed_consumption_points=self.reversed_consumption_points + done.consumption_points,
        )


@dataclass(frozen=True)
class RefundRequest:
    line_no: int
    amount: Decimal


@dataclass(frozen=True)
class ReversedLine:
    line_no: int
    amount: Decimal
    profit_points: Decimal
    consumption_points: Decimal


@dataclass(frozen=True)
class Reversal:
    lines: tuple[ReversedLine, ...]
    amount: Decimal
    profit_points: Decimal
    consumption_points: Decimal
    points: Decimal
    completes_purchase: bool


def _requests_for_all(lines: Sequence[RefundableLine]) -> list[RefundRequest]:
    return [RefundRequest(line.line_no, line.refundable) for line in lines if line.refundable > 0]


def _check(lines: dict[int, RefundableLine], requests: Sequence[RefundRequest]) -> None:
    problems: list[FieldProblem] = []
    seen: set[int] = set()
    for i, req in enumerate(requests):
        line = lines.get(req.line_no)
        if line is None:
            problems.append(FieldProblem(f"lines[{i}].line_no", f"no line {req.line_no} in this purchase"))
        elif req.line_no in seen:
            problems.append(FieldProblem(f"lines[{i}].line_no", "each line may appear once per refund"))
        elif req.amount <= 0:
            problems.append(FieldProblem(f"lines[{i}].amount", "must be greater than 0"))
        elif req.amount > line.refundable:
            problems.append(
                FieldProblem(f"lines[{i}].amount", f"exceeds what is left to refund ({line.refundable})")
            )
        seen.add(req.line_no)
    if problems:
        raise InvalidInput("the refund is invalid", errors=problems)


def _reverse_line(line: RefundableLine, amount: Decimal) -> ReversedLine:
    if amount == line.refundable:
        profit = line.profit_points - line.reversed_profit_points
        consumption = line.consumption_points - line.reversed_consumption_points
    else:
        profit = round2(line.profit_points * amount / line.paid)
        consumption = round2(line.weight * amount)
    return ReversedLine(line.line_no, amount, profit, consumption)


def reverse(
    lines: Sequence[RefundableLine],
    requests: Sequence[RefundRequest] | None,
    *,
    x: Decimal,
    purchase_points: Decimal,
    reversed_points: Decimal,
) -> Reversal:
    """Reverse a refund of `requests` (None: everything still refundable) of a purchase."""
    by_no = {line.line_no: line for line in lines}
    wanted = _requests_for_all(lines) if requests is None else list(requests)
    if not wanted:
        raise NothingToRefund("this purchase has nothing left to refund")
    _check(by_no, wanted)
    reversed_lines = tuple(_reverse_line(by_no[r.line_no], r.amount) for r in wanted)
    refunded = {r.line_no: r.amount for r in wanted}
    completes = all(line.refundable == refunded.get(line.line_no, ZERO) for line in lines)
    profit = sum((r.profit_points for r in reversed_lines), ZERO)
    consumption = sum((r.consumption_points for r in reversed_lines), ZERO)
    left = purchase_points - reversed_points
    points = left if completes else min(blend(x, profit, consumption), left)
    return Reversal(
        lines=reversed_lines,
        amount=sum((r.amount for r in reversed_lines), ZERO),
        profit_points=profit,
        consumption_points=consumption,
        points=points,
        completes_purchase=completes,
    )
