"""Rules of the points settings: X per phase (0.5 < X ≤ 1, Y = 1 − X) and the liability bands."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.domain.errors import FieldProblem, InvalidInput
from app.domain.finance.liability import Thresholds, threshold_problems
from app.domain.money import ONE


class Phase(StrEnum):
    development = "development"
    maintenance = "maintenance"


HALF = Decimal("0.5")


@dataclass(frozen=True)
class PointsSettings:
    x_development: Decimal
    x_maintenance: Decimal
    point_value: Decimal
    liability_warning: Decimal
    liability_critical: Decimal
    liability_target: Decimal
    points_expiry_months: int | None = None
    pnl_margin_floor: Decimal = Decimal("0.05")

    def x_for(self, phase: Phase) -> Decimal:
        """The profit share X a purchase uses: that of the member's phase when posted."""
        return self.x_development if phase is Phase.development else self.x_maintenance


def validate_settings(s: PointsSettings) -> None:
    """Refuse settings the formula cannot use, naming each bad field."""
    problems: list[FieldProblem] = []
    for name in ("x_development", "x_maintenance"):
        x = getattr(s, name)
        if not HALF < x <= ONE:
            problems.append(FieldProblem(name, "must be greater than 0.5 and at most 1"))
    if s.point_value <= 0:
        problems.append(FieldProblem("point_value", "must be greater than 0"))
    if s.liability_warning <= 0:
        problems.append(FieldProblem("liability_warning", "must be greater than 0"))
    problems += threshold_problems(Thresholds(s.liability_warning, s.liability_critical, s.liability_target))
    if not -ONE <= s.pnl_margin_floor <= ONE:
        problems.append(FieldProblem("pnl_margin_floor", "must be between -1 and 1"))
    if problems:
        raise InvalidInput("the points settings are invalid", errors=problems)
