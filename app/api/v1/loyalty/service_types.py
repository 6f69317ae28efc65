"""The service-type catalogue: average margin and points weight per type."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import Admin, IdempotencyKey, MembersRead, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.catalogue import (
    ServiceTypeCreate,
    ServiceTypeList,
    ServiceTypePublic,
    ServiceTypeUpdate,
)
from app.services.loyalty import catalogue as service

router = APIRouter(prefix="/service-types", tags=["service-types"])
ServiceCode = Annotated[str, Path(min_length=1, max_length=32)]


@router.get("", response_model=ServiceTypeList, responses=problems(401, 403, 503))
async def list_service_types(_principal: MembersRead, uow: UoW) -> ServiceTypeList:
    """The catalogue: average margin (used when a line has none) and points weight per type."""
    return await uow.read(service.list_service_types)


@router.post(
    "",
    status_code=201,
    response_model=ServiceTypePublic,
    responses=problems(401, 403, 409, 413, 415, 422, 503),
)
async def create_service_type(
    request: Request,
    body: ServiceTypeCreate,
    principal: Admin,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Add a service type; 409 when the code exists."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_service_type(s, body, utcnow()),
    )


@router.patch(
    "/{code}", response_model=ServiceTypePublic, responses=problems(401, 403, 404, 413, 415, 422, 503)
)
async def update_service_type(
    code: ServiceCode, body: ServiceTypeUpdate, _principal: Admin, uow: UoW
) -> ServiceTypePublic:
    """Change a service type; posted purchases keep the margin and weight they were computed with."""
    return await uow.run(lambda s: service.update_service_type(s, code, body))
