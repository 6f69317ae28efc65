"""The service-type catalogue: average margin and points weight per type, and its history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import Admin, Cursor, IdempotencyKey, Limit, MembersRead, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.catalogue import (
    ServiceTypeCreate,
    ServiceTypeList,
    ServiceTypePublic,
    ServiceTypeUpdate,
)
from app.models.loyalty.catalogue_history import CatalogueHistory, CatalogueSubject
from app.services.loyalty import catalogue as service

router = APIRouter(prefix="/service-types", tags=["service-types"])
ServiceCode = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", response_model=ServiceTypeList, responses=problems(401, 403, 422, 503))
async def list_service_types(
    _principal: MembersRead, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> ServiceTypeList:
    """The catalogue by code, retired types included (`active: false`)."""
    return await uow.read(lambda s: service.list_service_types(s, limit, cursor))


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
    """Add a service type; 409 `duplicate_service_type` when the code exists."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_service_type(s, body, utcnow(), principal),
    )


@router.get("/history", response_model=CatalogueHistory, responses=problems(401, 403, 422, 503))
async def list_service_type_changes(
    _principal: Admin, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> CatalogueHistory:
    """Every creation, change and retirement of a service type, newest first."""
    return await uow.read(
        lambda s: service.list_catalogue_history(s, CatalogueSubject.service_type, limit, cursor)
    )


@router.patch(
    "/{code}", response_model=ServiceTypePublic, responses=problems(401, 403, 404, 413, 415, 422, 503)
)
async def update_service_type(
    code: ServiceCode, body: ServiceTypeUpdate, principal: Admin, uow: UoW
) -> ServiceTypePublic:
    """Change a service type, or retire it with `active: false` (new lines may no longer name it).

    Posted purchases keep the margin and weight they were computed with.
    """
    return await uow.run(lambda s: service.update_service_type(s, code, body, utcnow(), principal))
