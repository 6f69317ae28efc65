"""Tier table, service-type catalogue and points settings, each change logged with who and when.

Every change holds the rules exclusively first (`repositories.loyalty.catalogue.hold_rules`):
changes queue one behind the other, so two table replacements or two creates of one code
cannot collide (a 409 `duplicate_service_type`, never a constraint violation).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import DuplicateServiceType, FieldProblem, InvalidInput, NotFound
from app.domain.loyalty.grading import TierRule, validate_tier_table
from app.domain.loyalty.points_settings import validate_settings
from app.models import CatalogueChange, PointsSettingsChange, PointsSettingsRow, ServiceType, Tier
from app.models.base import new_id
from app.models.loyalty.catalogue import (
    PointsSettingsChangePublic,
    PointsSettingsHistory,
    PointsSettingsIn,
    PointsSettingsPublic,
    ServiceTypeCreate,
    ServiceTypeList,
    ServiceTypePublic,
    ServiceTypeUpdate,
    TierPublic,
    TierTable,
    TierTableIn,
)
from app.models.loyalty.catalogue_history import CatalogueChangePublic, CatalogueHistory, CatalogueSubject
from app.repositories.loyalty import catalogue as repo
from app.repositories.loyalty import customers as customers_repo
from app.repositories.loyalty.catalogue import SETTINGS_ID
from app.services import audit
from app.services.audit import Actor
from app.services.conditional import check_if_match
from app.services.finance.liability import check_liability
from app.services.loyalty.rules import to_domain
from app.services.pagination import HEX_CODE, decode_cursor, decode_position, encode_cursor

NULLABLE = {"maintenance_interval_days", "maintenance_interval_km"}  # null turns the reminder off


async def get_tier_table(session: AsyncSession) -> TierTable:
    tiers = await repo.list_tiers(session)
    return TierTable(tiers=[TierPublic.model_validate(t, from_attributes=True) for t in tiers])


def _as_json(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


async def _record(
    session: AsyncSession,
    subject: CatalogueSubject,
    *,
    code: str | None,
    before: Any,
    after: Any,
    api_key_id: str | None,
    now: datetime,
    regraded: int = 0,
) -> None:
    """Log the change and tell every worker's rules cache that the catalogue moved."""
    change = CatalogueChange(
        id=new_id("chg"),
        subject=subject.value,
        code=code,
        changed_at=now,
        api_key_id=api_key_id,
        before=before,
        after=after,
        regraded=regraded,
    )
    await repo.add(session, change)
    await repo.bump_catalogue_version(session)


async def replace_tier_table(
    session: AsyncSession,
    body: TierTableIn,
    if_match: str | None,
    now: datetime,
    actor: Actor | None = None,
) -> TierTable:
    """Validate and replace the whole table, then re-grade every member against it.

    Holds the rules exclusively (see `services.loyalty.rules`): no purchase is settled with
    the old table after the members are re-graded, and concurrent replacements queue, so two
    editors holding the same `If-Match` cannot both win.
    """
    ladder = [TierRule(t.code, t.threshold, t.rebate_rate) for t in body.tiers]
    validate_tier_table(ladder)
    await repo.hold_rules(session, exclusive=True)
    check_if_match(await get_tier_table(session), if_match, required=True)
    known = {s.code for s in await repo.list_service_types(session)}
    problems = [
        FieldProblem(f"tiers[{i}].allowed_services", f"unknown service type {code!r}")
        for i, t in enumerate(body.tiers)
        for code in t.allowed_services
        if code not in known
    ]
    if problems:
        raise InvalidInput("the tier table names unknown service types", errors=problems)
    before = await get_tier_table(session)
    tiers = [Tier(position=i, **t.model_dump()) for i, t in enumerate(body.tiers)]
    await repo.replace_tiers(session, tiers)
    api_key_id = actor.key_id if actor else None
    regraded = await customers_repo.regrade_all(session, ladder, now=now, api_key_id=api_key_id)
    after = await get_tier_table(session)
    await _record(
        session,
        CatalogueSubject.tiers,
        code=None,
        before=_as_json(before)["tiers"],
        after=_as_json(after)["tiers"],
        api_key_id=api_key_id,
        now=now,
        regraded=regraded,
    )
    await audit.record(
        session, actor, "tier_table", "tiers", "replace", _by_code(before), _by_code(after), now
    )
    return after


def _by_code(table: TierTable) -> dict[str, Any]:
    """The table as one field per tier, so the audit shows which tiers changed and how."""
    return {t.code: t.model_dump(mode="json", exclude={"code"}) for t in table.tiers}


def _service_type_cursor(cursor: str | None) -> str | None:
    position = decode_position(cursor, HEX_CODE)
    try:
        return bytes.fromhex(position).decode() if position is not None else None
    except ValueError:
        raise InvalidInput.at("cursor", "not a cursor this API returned") from None


async def list_service_types(session: AsyncSession, limit: int, cursor: str | None) -> ServiceTypeList:
    """By code, retired ones included (they show `active: false`)."""
    found = await repo.list_service_types(session, limit + 1, _service_type_cursor(cursor))
    page = found[:limit]
    more = len(found) > limit
    return ServiceTypeList(
        items=[ServiceTypePublic.model_validate(s, from_attributes=True) for s in page],
        next_cursor=encode_cursor(page[-1].code.encode().hex()) if more else None,
    )


def _check_service_type(values: dict[str, Any]) -> None:
    weight = values.get("points_weight")
    if weight is not None and weight < 0:
        raise InvalidInput.at("points_weight", "must be 0 or more")


async def create_service_type(
    session: AsyncSession, body: ServiceTypeCreate, now: datetime, actor: Actor | None = None
) -> ServiceTypePublic:
    """Add a type; concurrent creates of one code queue on the rules lock, so one wins, one gets 409."""
    _check_service_type(body.model_dump())
    await repo.hold_rules(session, exclusive=True)
    if await repo.get_service_type(session, body.code):
        raise DuplicateServiceType(
            f"service type {body.code} already exists", extra={"existing_id": body.code}
        )
    row = ServiceType(**body.model_dump(), created_at=now)
    await repo.add(session, row)
    public = ServiceTypePublic.model_validate(row, from_attributes=True)
    await _record(
        session,
        CatalogueSubject.service_type,
        code=row.code,
        before=None,
        after=_as_json(public),
        api_key_id=actor.key_id if actor else None,
        now=now,
    )
    await audit.record(session, actor, "service_type", row.code, "create", None, _as_json(public), now)
    return public


async def update_service_type(
    session: AsyncSession, code: str, body: ServiceTypeUpdate, now: datetime, actor: Actor | None = None
) -> ServiceTypePublic:
    """Change a type, or retire it (`active: false`) or bring it back; the change is logged."""
    values = body.model_dump(exclude_unset=True)
    for field, value in values.items():
        if value is None and field not in NULLABLE:
            raise InvalidInput.at(field, "may not be null")
    _check_service_type(values)
    await repo.hold_rules(session, exclusive=True)
    row = await repo.get_service_type(session, code)
    if row is None:
        raise NotFound(f"no service type {code}")
    before = ServiceTypePublic.model_validate(row, from_attributes=True)
    for field, value in values.items():
        setattr(row, field, value)
    await session.flush()
    after = ServiceTypePublic.model_validate(row, from_attributes=True)
    await _record(
        session,
        CatalogueSubject.service_type,
        code=code,
        before=_as_json(before),
        after=_as_json(after),
        api_key_id=actor.key_id if actor else None,
        now=now,
    )
    await audit.record(session, actor, "service_type", code, "update", _as_json(before), _as_json(after), now)
    return after


async def list_catalogue_history(
    session: AsyncSession, subject: CatalogueSubject, limit: int, cursor: str | None
) -> CatalogueHistory:
    before = decode_cursor(cursor, "chg")
    found = await repo.list_catalogue_changes(session, subject.value, limit + 1, before)
    page = found[:limit]
    return CatalogueHistory(
        items=[CatalogueChangePublic.model_validate(c, from_attributes=True) for c in page],
        next_cursor=encode_cursor(page[-1].id) if len(found) > limit else None,
    )


def _settings_public(row: PointsSettingsRow) -> PointsSettingsPublic:
    return PointsSettingsPublic(
        **row.model_dump(exclude={"id", "catalogue_version"}),
        y_development=1 - row.x_development,
        y_maintenance=1 - row.x_maintenance,
    )


async def get_points_settings(session: AsyncSession) -> PointsSettingsPublic:
    row = await repo.get_settings(session)
    if row is None:
        raise NotFound("the points settings are missing: run `crm migrate`")
    return _settings_public(row)


async def replace_points_settings(
    session: AsyncSession,
    body: PointsSettingsIn,
    actor: Actor | None,
    now: datetime,
    if_match: str | None,
) -> PointsSettingsPublic:
    """Replace all settings; the change is logged. A new X applies to purchases posted after it."""
    row = PointsSettingsRow(id=SETTINGS_ID, **body.model_dump(), updated_at=now)
    validate_settings(to_domain(row))
    await repo.hold_rules(session, exclusive=True)
    current = await repo.get_settings_for_update(session)
    if current is not None:
        check_if_match(_settings_public(current), if_match, required=True)
    before = (
        PointsSettingsIn.model_validate(
            current.model_dump(exclude={"id", "updated_at", "catalogue_version"})
        ).model_dump(mode="json")
        if current
        else None
    )
    if current is None:
        await repo.add(session, row)
    else:
        for field, value in body.model_dump().items():
            setattr(current, field, value)
        current.updated_at = now
        row = current
    change = PointsSettingsChange(
        id=new_id("set"),
        changed_at=now,
        api_key_id=actor.key_id if actor else None,
        before=before,
        after=body.model_dump(mode="json"),
    )
    await repo.add(session, change)
    action = "update" if before else "create"
    await audit.record(session, actor, "points_settings", "points", action, before, change.after, now)
    await repo.bump_catalogue_version(session)
    # No purchase is in flight (the rules are held exclusively): the liability's state follows
    # the new thresholds now, re-armed below the warning, raised above it.
    await check_liability(session, now, to_domain(row))
    return _settings_public(row)


async def list_settings_history(
    session: AsyncSession, limit: int, cursor: str | None
) -> PointsSettingsHistory:
    before = decode_cursor(cursor, "set")
    found = await repo.list_settings_changes(session, limit + 1, before)
    page = found[:limit]
    return PointsSettingsHistory(
        items=[PointsSettingsChangePublic.model_validate(c, from_attributes=True) for c in page],
        next_cursor=encode_cursor(page[-1].id) if len(found) > limit else None,
    )
