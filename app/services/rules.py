"""The rules in force for a use case: points settings and the tier table, as domain values."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.grading import TierRule
from app.domain.points_settings import PointsSettings
from app.models import PointsSettingsRow, Tier
from app.repositories import catalogue as repo


@dataclass(frozen=True)
class Rules:
    settings: PointsSettings
    tiers: tuple[Tier, ...]

    @property
    def ladder(self) -> list[TierRule]:
        return [TierRule(t.code, t.threshold, t.rebate_rate) for t in self.tiers]

    def tier(self, code: str) -> Tier:
        return next((t for t in self.tiers if t.code == code), self.tiers[0])


def to_domain(row: PointsSettingsRow) -> PointsSettings:
    return PointsSettings(
        x_development=row.x_development,
        x_maintenance=row.x_maintenance,
        point_value=row.point_value,
        liability_warning=row.liability_warning,
        liability_critical=row.liability_critical,
        liability_target=row.liability_target,
    )


async def load_rules(session: AsyncSession) -> Rules:
    row = await repo.get_settings(session)
    tiers = await repo.list_tiers(session)
    if row is None or not tiers:
        raise RuntimeError("points settings or tiers are missing: run `crm migrate`")
    return Rules(to_domain(row), tuple(tiers))
