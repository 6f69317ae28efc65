"""The rules in force: points settings, tier table and service types, as domain values.

They change rarely and are read on every posting, so each worker caches them and reloads
only when `points_settings.catalogue_version` has moved; every change of settings, tiers or
service types bumps that version in the same transaction.

One rule set per use case, even while an admin changes it: on PostgreSQL every use case
that changes a balance or grades a member holds the rules *shared* (a transaction-level
advisory lock, taken before the member's row lock) and every change of the rules holds them
*exclusively* (before touching anything), so a change waits for the purchases in flight and
re-grades every member before the next purchase reads the table. The version is read after
the shared lock, so it is the one the member's stored tier was graded by. The cost is one
short round trip per posting; reading the version after the row lock instead would leave
member creation and the bulk re-grade racing the purchases. SQLite's `BEGIN IMMEDIATE`
serialises writers already. Readers outside a transaction read the member and the version
in one statement (one snapshot) and load exactly that version, or read again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import Busy
from app.domain.loyalty.grading import TierRule
from app.domain.loyalty.points_settings import PointsSettings
from app.models import PointsSettingsRow, ServiceType, Tier
from app.repositories.loyalty import catalogue as repo

_ATTEMPTS = 5


@dataclass(frozen=True)
class Rules:
    version: int
    settings: PointsSettings
    tiers: tuple[Tier, ...]
    service_types: dict[str, ServiceType]  # retired ones too: posted purchases still name them
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


async def _read(session: AsyncSession) -> Rules:
    """Settings, tiers and service types of one version: read again if a change landed between."""
    for _ in range(_ATTEMPTS):
        row = await repo.get_settings(session)
        tiers = await repo.list_tiers(session)
        if row is None or not tiers:
            raise RuntimeError("points settings or tiers are missing: run `crm migrate`")
        types = {s.code: s for s in await repo.list_service_types(session)}
        if await repo.catalogue_version(session) == row.catalogue_version:
            ladder = tuple(TierRule(t.code, t.threshold, t.rebate_rate) for t in tiers)
            return Rules(row.catalogue_version, to_domain(row), tuple(tiers), types, ladder)
    raise Busy("the rules kept changing while they were read; retry shortly")


def cached_rules(database: str, version: int) -> Rules | None:
    """The rules this worker holds for `database` (`str(engine.url)`), if they are `version`."""
    cached = _cache.get(database)
    return cached if cached is not None and cached.version == version else None


async def load_rules(session: AsyncSession, version: int | None = None) -> Rules:
    """The rules at catalogue `version` (read it when the caller has not already).

    Outside a held transaction a newer version may come back: compare `.version`.
    """
    if version is None:
        version = await repo.catalogue_version(session)
    key = str(session.get_bind().engine.url)
    cached = _cache.get(key)
    if cached is not None and cached.version == version:
        return cached
    rules = await _read(session)
    if cached is None or rules.version > cached.version:
        _cache[key] = rules
    return rules


async def hold_rules(session: AsyncSession) -> Rules:
    """Hold the rules (shared) until commit and load them: for use cases that grade members."""
    await repo.hold_rules(session, exclusive=False)
    return await load_rules(session)
