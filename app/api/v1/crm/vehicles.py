"""Vehicles of a member and their odometer readings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from app.api.deps import Cursor, IdempotencyKey, Limit, MembersRead, MembersWrite, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.crm.vehicles import (
    MileageCreate,
    MileagePage,
    MileagePublic,
    VehicleCreate,
    VehiclePage,
    VehiclePublic,
    VehicleUpdate,
)
from app.services.crm import vehicles as service

router = APIRouter(tags=["vehicles"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]
VehicleId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/customers/{customer_id}/vehicles",
    status_code=201,
    response_model=VehiclePublic,
    responses=problems(401, 403, 404, 409, 413, 415, 422, 503),
)
async def create_vehicle(
    request: Request,
    customer_id: CustomerId,
    body: VehicleCreate,
    principal: MembersWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Register a member's vehicle; the VIN's check digit is verified; 409 when the VIN is taken."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_vehicle(s, principal, customer_id, body, utcnow()),
    )


@router.get(
    "/customers/{customer_id}/vehicles", response_model=VehiclePage, responses=problems(401, 403, 404, 503)
)
async def list_vehicles(
    customer_id: CustomerId, principal: MembersRead, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> VehiclePage:
    """The member's vehicles, newest first."""
    return await uow.read(lambda s: service.list_vehicles(s, principal, customer_id, limit, cursor))


@router.get("/vehicles", response_model=VehiclePage, responses=problems(401, 403, 404, 503))
async def find_vehicles(
    principal: MembersRead,
    uow: UoW,
    vin: Annotated[str | None, Query(min_length=1, max_length=40, description="Exact VIN.")] = None,
    plate: Annotated[str | None, Query(min_length=1, max_length=16, description="Exact plate.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> VehiclePage:
    """Find vehicles of members the caller sees by VIN or plate, any case or spacing; newest first."""
    return await uow.read(lambda s: service.find_vehicles(s, principal, vin, plate, limit, cursor))


@router.get("/vehicles/{vehicle_id}", response_model=VehiclePublic, responses=problems(401, 403, 404, 503))
async def get_vehicle(vehicle_id: VehicleId, principal: MembersRead, uow: UoW) -> VehiclePublic:
    """One vehicle with its current odometer."""
    return await uow.read(lambda s: service.get_vehicle(s, principal, vehicle_id))


@router.patch(
    "/vehicles/{vehicle_id}", response_model=VehiclePublic, responses=problems(401, 403, 404, 413, 415, 503)
)
async def update_vehicle(
    vehicle_id: VehicleId, body: VehicleUpdate, principal: MembersWrite, uow: UoW
) -> VehiclePublic:
    """Change plate, make, model, year or purchase date; the odometer moves by readings only."""
    return await uow.run(lambda s: service.update_vehicle(s, principal, vehicle_id, body, utcnow()))


@router.post(
    "/vehicles/{vehicle_id}/mileage",
    status_code=201,
    response_model=MileagePublic,
    responses=problems(401, 403, 404, 409, 413, 415, 503),
)
async def record_mileage(
    request: Request,
    vehicle_id: VehicleId,
    body: MileageCreate,
    principal: MembersWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Add an odometer reading; 409 `mileage_went_back` below the last one unless `correction`."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.record_mileage(s, principal, vehicle_id, body, utcnow()),
    )


@router.get(
    "/vehicles/{vehicle_id}/mileage", response_model=MileagePage, responses=problems(401, 403, 404, 503)
)
async def list_mileage(
    vehicle_id: VehicleId, principal: MembersRead, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> MileagePage:
    """The vehicle's odometer readings, newest first."""
    return await uow.read(lambda s: service.list_mileage(s, principal, vehicle_id, limit, cursor))
