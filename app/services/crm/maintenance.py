"""Tier services (维护策略): what a member's tier allows, and maintenance records held to it.

A service outside the tier is refused with 409 `service_not_allowed` unless an admin key
overrides it with a reason (managers will, once staff roles exist); the override, its reason
and the key are kept on the record. A store-bound admin is its store's administrator and
overrides for the records of its store (the only store its records can name).

A maintenance is a record of work done at a store, not a change to the member: a store-bound
key records it for any member it sees, at its own store (an omitted `store_id` is its store,
another is 403), and reads the member's whole service history, whichever store did the work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.errors import ServiceNotAllowed
from app.domain.errors import Forbidden, InvalidInput
from app.models import MaintenanceRecord
from app.models.base import new_id
from app.models.crm.maintenance import (
    AllowedService,
    MaintenanceCreate,
    MaintenancePage,
    MaintenancePublic,
    TierServices,
)
from app.models.integration.api_keys import Scope
from app.repositories import tables
from app.repositories.crm import rows
from app.services.crm.dates import happened_on
from app.services.crm.members import seen_member
from app.services.crm.pages import split
from app.services.crm.vehicles import advance_odometer, require_vehicle
from app.services.integration.api_keys import Principal
from app.services.loyalty.rules import load_rules
from app.services.loyalty.stores import require_store
from app.services.pagination import decode_cursor, encode_cursor


async def tier_services(session: AsyncSession, principal: Principal, customer_id: str) -> TierServices:
    """The services the member's current tier allows, with their names and maintenance intervals."""
    member = await seen_member(session, principal, customer_id)
    rules = await load_rules(session)
    tier = rules.tier(member.tier)
    items = [
        AllowedService.model_validate(rules.service_types[code], from_attributes=True)
        for code in tier.allowed_services
        if code in rules.service_types
    ]
    return TierServices(customer_id=member.id, tier=tier.code, tier_name=tier.name, items=items)


async def record_maintenance(
    session: AsyncSession, principal: Principal, customer_id: str, body: MaintenanceCreate, now: datetime
) -> MaintenancePublic:
    """Record a maintenance of the member (and its vehicle), held to the tier's services."""
    member = await seen_member(session, principal, customer_id)
    performed_on = happened_on(body.performed_on, "performed_on", now)
    if body.store_id is not None:
        principal.check_store(body.store_id)
        await require_store(session, body.store_id)
    store_id = body.store_id or principal.store_id
    rules = await load_rules(session)
    if body.service_type not in rules.service_types:
        raise InvalidInput.at("service_type", f"unknown service type {body.service_type!r}")
    vehicle = None
    if body.vehicle_id is not None:
        vehicle = await require_vehicle(session, principal, body.vehicle_id, for_update=True)
        if vehicle.customer_id != member.id:
            raise InvalidInput.at("vehicle_id", f"vehicle {body.vehicle_id} is not this member's")
    tier = rules.tier(member.tier)
    overridden = body.service_type not in tier.allowed_services
    if overridden and not body.override:
        raise ServiceNotAllowed(
            f"tier {tier.code} does not include {body.service_type}; an admin may override with a reason",
            extra={"tier": tier.code, "service_type": body.service_type},
        )
    if overridden and not principal.has(Scope.admin):
        raise Forbidden("overriding the tier's services needs an admin key")
    record = MaintenanceRecord(
        id=new_id("mnt"),
        customer_id=member.id,
        vehicle_id=body.vehicle_id,
        service_type=body.service_type,
        performed_on=performed_on,
        mileage_km=body.mileage_km,
        notes=body.notes,
        store_id=store_id,
        tier=tier.code,
        override_reason=body.override_reason if overridden else None,
        override_by=principal.key_id if overridden else None,
        api_key_id=principal.key_id,
        created_at=now,
    )
    await rows.add(session, tables.maintenance_record, record.model_dump())
    if vehicle is not None and body.mileage_km is not None:
        await advance_odometer(session, vehicle, body.mileage_km, now)
    return MaintenancePublic.model_validate(record.model_dump())


async def list_maintenance(
    session: AsyncSession, principal: Principal, customer_id: str, limit: int, cursor: str | None
) -> MaintenancePage:
    await seen_member(session, principal, customer_id)
    t = tables.maintenance_record
    found = await rows.page(
        session,
        t,
        MaintenanceRecord,
        [t.c.customer_id == customer_id],
        limit + 1,
        decode_cursor(cursor, "mnt"),
    )
    page, after = split(found, limit)
    return MaintenancePage(
        items=[MaintenancePublic.model_validate(r.model_dump()) for r in page],
        next_cursor=encode_cursor(after) if after else None,
    )
