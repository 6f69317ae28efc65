"""Marketing settings: the thresholds, windows and shares of the member analysis rules.

Stored like the finance settings (one row, absent means the defaults), changed with a PUT
over the version read (`If-Match`), audited. A change holds the rules exclusively and bumps
the catalogue version, so every worker's cached copy (`services.marketing.analysis.current`)
reloads before its next purchase; members are re-analysed under the new settings by the next
bulk pass (`crm analyse`, or the worker's daily run) and by their own next change.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.marketing.analysis import DEFAULTS, MarketingSettings, validate_settings
from app.models.marketing.settings import MarketingSettingsIn, MarketingSettingsPublic, MarketingSettingsRow
from app.repositories.loyalty import catalogue as catalogue_repo
from app.repositories.marketing import analysis as repo
from app.services import audit
from app.services.audit import Actor
from app.services.conditional import check_if_match


def to_domain(row: MarketingSettingsRow | None) -> MarketingSettings:
    if row is None:
        return DEFAULTS
    return MarketingSettings(**row.model_dump(exclude={"id", "updated_at"}))


async def get_marketing_settings(session: AsyncSession) -> MarketingSettingsPublic:
    row = await repo.get_settings(session)
    if row is None:
        return MarketingSettingsPublic(**asdict(DEFAULTS), updated_at=None)
    return MarketingSettingsPublic.model_validate(row, from_attributes=True)


async def replace_marketing_settings(
    session: AsyncSession,
    body: MarketingSettingsIn,
    if_match: str | None,
    now: datetime,
    actor: Actor | None = None,
) -> MarketingSettingsPublic:
    """Validate and replace every setting over the version the caller read (`If-Match`, required)."""
    values = body.model_dump()
    validate_settings(MarketingSettings(**values))
    await catalogue_repo.hold_rules(session, exclusive=True)
    current = await get_marketing_settings(session)
    check_if_match(current, if_match, required=True)
    await repo.put_settings(session, {**values, "updated_at": now})
    await catalogue_repo.bump_catalogue_version(session)
    before = current.model_dump(mode="json", exclude={"updated_at"})
    after = body.model_dump(mode="json")
    action = "update" if current.updated_at else "create"
    await audit.record(session, actor, "marketing_settings", "marketing", action, before, after, now)
    return MarketingSettingsPublic(**values, updated_at=now)
