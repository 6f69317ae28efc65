"""The rules in force: points settings, tier table and service types, as domain values.

They change rarely and are read on every posting, so each worker caches them and reloads
only when `points_settings.catalogue_version` has moved; every change of settings, tiers or
service types bumps that version in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.loyalty.grading import TierRule
from app.domain.loyalty.points_settings import PointsSettings
from app.models import PointsSettingsRow, ServiceType, Tier
from app.repositories.loyalty import catalogue as repo


@dataclass(frozen=True)
class Rules:
    version: int
    settings: PointsSettings
    tiers: tuple[Tier, ...]
    service_types: dict[str, ServiceType]
    ladder: tuple[TierRule, ...]  # the tiers as the domain grades with them

    def tier(self, code: str) -> Tier:
        return next((t for t in self.tiers if t.code == code), self.tiers[0])


_cache: dict[str, Rules] = {}


def to_domain(row: PointsSettingsRow) -> PointsSettings:
    return PointsSettings(
        x_development=row.x_development,
        x_maintenance=row.x_maintenance,
        point_value=row.point_value,
        liability_warning=row.liability_warning,
        liability_critical=row.liability_critical,
        liability_target=row.liability_target,
        points_expiry_months=row.points_expiry_months,
        pnl_margin_floor=row.pnl_margin_floor,
    )


async def load_rules(session: AsyncSession, version: int | None = None) -> Rules:
    """The rules at catalogue `version` (read it when the caller has not already)."""
    if version is None:
        version = await repo.catalogue_version(session)
    bind = session.get_bind()
    key = str(bind.engine.url)
    cached = _cache.get(key)
    if cached is not None and cached.version == version:
        return cached
    row = await repo.get_settings(session)
    tiers = await repo.list_tiers(session)
    if row is None or not tiers:
        raise RuntimeError("points settings or tiers are missing: run `crm migrate`")
    types = {s.code: s for s in await repo.list_service_types(session)}
    ladder = tuple(TierRule(t.code, t.threshold, t.rebate_rate) for t in tiers)
    rules = Rules(row.catalogue_version, to_domain(row), tuple(tiers), types, ladder)
    _cache[key] = rules
    return rules
