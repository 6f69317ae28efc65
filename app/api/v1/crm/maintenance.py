"""Tier services (维护策略) and maintenance records of a member."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import Cursor, IdempotencyKey, Limit, MembersRead, MembersWrite, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.crm.maintenance import MaintenanceCreate, MaintenancePage, MaintenancePublic, TierServices
from app.services.crm import maintenance as service

router = APIRouter(prefix="/customers/{customer_id}", tags=["maintenance"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/services", response_model=TierServices, responses=problems(401, 403, 404, 503))
async def list_allowed_services(customer_id: CustomerId, principal: MembersRead, uow: UoW) -> TierServices:
    """What the member's tier allows now, with each service's maintenance interval."""
    return await uow.read(lambda s: service.tier_services(s, principal, customer_id))


@router.post(
    "/maintenance",
    status_code=201,
    response_model=MaintenancePublic,
    responses=problems(401, 403, 404, 409, 413, 415, 503),
)
async def record_maintenance(
    request: Request,
    customer_id: CustomerId,
    body: MaintenanceCreate,
    principal: MembersWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a maintenance; 409 `service_not_allowed` outside the tier unless an admin overrides."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.record_maintenance(s, principal, customer_id, body, utcnow()),
    )


@router.get("/maintenance", response_model=MaintenancePage, responses=problems(401, 403, 404, 503))
async def list_maintenance(
    customer_id: CustomerId, principal: MembersRead, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> MaintenancePage:
    """The member's maintenance records (at any store), newest first."""
    return await uow.read(lambda s: service.list_maintenance(s, principal, customer_id, limit, cursor))
