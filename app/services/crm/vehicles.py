"""Vehicles of a member and their odometer: readings only go up unless flagged as corrections.

A vehicle is the member's own data: a store-bound key registers and edits vehicles only of its
store's members (403 for a member it only sold to), but reads them, and records readings, for
every member it sees; any other vehicle is a 404.

The odometer of a vehicle is its latest accepted reading; a reading is checked against it
under the vehicle's row lock, so two concurrent readings cannot both pass the check.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.mileage import check_reading
from app.domain.crm.vin import normalize_vin
from app.domain.errors import Conflict, NotFound
from app.models import MileageReading, Vehicle
from app.models.base import new_id
from app.models.crm.vehicles import (
    MileageCreate,
    MileagePage,
    MileagePublic,
    VehicleCreate,
    VehiclePage,
    VehiclePublic,
    VehicleUpdate,
    normalize_plate,
)
from app.repositories import tables
from app.repositories.crm import rows, seen
from app.repositories.crm import vehicles as repo
from app.services.crm.dates import happened_on
from app.services.crm.members import changed_member, seen_member
from app.services.crm.pages import split
from app.services.integration.api_keys import Principal
from app.services.loyalty.access import check_changes
from app.services.pagination import decode_cursor, encode_cursor


def _taken(vin: str, existing: str) -> Conflict:
    return Conflict(f"VIN {vin} is already registered as vehicle {existing}", extra={"existing_id": existing})


async def create_vehicle(
    session: AsyncSession, principal: Principal, customer_id: str, body: VehicleCreate, now: datetime
) -> VehiclePublic:
    """Register a vehicle; a VIN belongs to one vehicle record (409 with `existing_id`).

    The 409 names the vehicle even when the caller cannot see it, as a duplicate phone names
    the member: one VIN register serves the whole dealer group.
    """
    await changed_member(session, principal, customer_id)
    existing = await repo.find_by_vin(session, body.vin)
    if existing:
        raise _taken(body.vin, existing)
    values = {
        **body.model_dump(),
        "id": new_id("veh"),
        "customer_id": customer_id,
        "created_at": now,
        "updated_at": now,
    }
    try:
        async with session.begin_nested():
            await rows.add(session, tables.vehicle, values)
    except IntegrityError:  # a concurrent create claimed the VIN after our check
        raise _taken(body.vin, await repo.find_by_vin(session, body.vin) or "") from None
    if body.odometer_km is not None:
        await _add_reading(session, values["id"], body.odometer_km, now, source="registration")
    return VehiclePublic.model_validate(values)


async def _add_reading(
    session: AsyncSession,
    vehicle_id: str,
    km: int,
    now: datetime,
    *,
    source: str,
    read_on: date | None = None,
    correction: bool = False,
    note: str | None = None,
) -> dict[str, object]:
    reading = {
        "id": new_id("odo"),
        "vehicle_id": vehicle_id,
        "reading_km": km,
        "read_on": read_on or now.date(),
        "correction": correction,
        "note": note,
        "source": source,
        "created_at": now,
    }
    await rows.add(session, tables.mileage_reading, reading)
    return reading


async def require_vehicle(
    session: AsyncSession,
    principal: Principal,
    vehicle_id: str,
    *,
    for_update: bool = False,
    changes: bool = False,
) -> Vehicle:
    """A vehicle of a live member the caller sees, or 404; `changes`: of a member it may change (else 403)."""
    vehicle = await rows.get(session, tables.vehicle, Vehicle, vehicle_id, for_update=for_update)
    if vehicle is None:
        raise NotFound(f"no vehicle {vehicle_id}")
    try:
        member = await seen_member(session, principal, vehicle.customer_id)
    except NotFound:
        raise NotFound(f"no vehicle {vehicle_id}") from None
    if changes:
        await check_changes(session, principal, member)
    return vehicle


async def get_vehicle(session: AsyncSession, principal: Principal, vehicle_id: str) -> VehiclePublic:
    vehicle = await require_vehicle(session, principal, vehicle_id)
    return VehiclePublic.model_validate(vehicle.model_dump())


async def list_vehicles(
    session: AsyncSession, principal: Principal, customer_id: str, limit: int, cursor: str | None
) -> VehiclePage:
    await seen_member(session, principal, customer_id)
    return await _page(session, [tables.vehicle.c.customer_id == customer_id], limit, cursor)


async def find_vehicles(
    session: AsyncSession,
    principal: Principal,
    vin: str | None,
    plate: str | None,
    limit: int,
    cursor: str | None,
) -> VehiclePage:
    """Vehicles of live members the caller sees, by VIN or plate (as the workshop reads them off the car)."""
    t = tables.vehicle
    where: list[ColumnElement[bool]] = [t.c.customer_id.in_(seen.member_ids(principal.reach))]
    if vin is not None:
        where.append(t.c.vin == normalize_vin(vin))
    if plate is not None:
        where.append(t.c.plate == normalize_plate(plate))
    return await _page(session, where, limit, cursor)


async def _page(
    session: AsyncSession, where: list[ColumnElement[bool]], limit: int, cursor: str | None
) -> VehiclePage:
    found = await rows.page(session, tables.vehicle, Vehicle, where, limit + 1, decode_cursor(cursor, "veh"))
    page, after = split(found, limit)
    return VehiclePage(
        items=[VehiclePublic.model_validate(v.model_dump()) for v in page],
        next_cursor=encode_cursor(after) if after else None,
    )


async def update_vehicle(
    session: AsyncSession, principal: Principal, vehicle_id: str, body: VehicleUpdate, now: datetime
) -> VehiclePublic:
    """Change plate, make, model, year or purchase date; null clears a field."""
    vehicle = await require_vehicle(session, principal, vehicle_id, for_update=True, changes=True)
    values = body.model_dump(exclude_unset=True)
    if values:
        values["updated_at"] = now
        await repo.update_fields(session, vehicle_id, values)
    return VehiclePublic.model_validate({**vehicle.model_dump(), **values})


async def record_mileage(
    session: AsyncSession, principal: Principal, vehicle_id: str, body: MileageCreate, now: datetime
) -> MileagePublic:
    """Add a reading (409 `mileage_went_back` below the odometer unless it is a correction)."""
    read_on = happened_on(body.read_on, "read_on", now)
    vehicle = await require_vehicle(session, principal, vehicle_id, for_update=True)
    check_reading(vehicle.odometer_km, body.reading_km, correction=body.correction)
    reading = await _add_reading(
        session,
        vehicle_id,
        body.reading_km,
        now,
        source="reading",
        read_on=read_on,
        correction=body.correction,
        note=body.note,
    )
    await repo.update_fields(session, vehicle_id, {"odometer_km": body.reading_km, "updated_at": now})
    return MileagePublic.model_validate(reading)


async def advance_odometer(session: AsyncSession, vehicle: Vehicle, km: int, now: datetime) -> None:
    """A mileage seen at a maintenance moves the odometer forward; an older one is history only."""
    if vehicle.odometer_km is None or km > vehicle.odometer_km:
        await _add_reading(session, vehicle.id, km, now, source="maintenance")
        await repo.update_fields(session, vehicle.id, {"odometer_km": km, "updated_at": now})


async def list_mileage(
    session: AsyncSession, principal: Principal, vehicle_id: str, limit: int, cursor: str | None
) -> MileagePage:
    """The vehicle's readings, newest first."""
    await require_vehicle(session, principal, vehicle_id)
    t = tables.mileage_reading
    found = await rows.page(
        session, t, MileageReading, [t.c.vehicle_id == vehicle_id], limit + 1, decode_cursor(cursor, "odo")
    )
    page = found[:limit]
    return MileagePage(
        items=[MileagePublic.model_validate(r.model_dump()) for r in page],
        next_cursor=encode_cursor(page[-1].id) if len(found) > limit else None,
    )
