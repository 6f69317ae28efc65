"""Contacts of a company member and contact activities with any member."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import Cursor, IdempotencyKey, Limit, MembersRead, MembersWrite, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.crm.contacts import (
    ActivityCreate,
    ActivityPage,
    ActivityPublic,
    ContactCreate,
    ContactPage,
    ContactPublic,
)
from app.services.crm import contacts as service

router = APIRouter(prefix="/customers/{customer_id}", tags=["contacts"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/contacts",
    status_code=201,
    response_model=ContactPublic,
    responses=problems(401, 403, 404, 409, 413, 415, 503),
)
async def create_contact(
    request: Request,
    customer_id: CustomerId,
    body: ContactCreate,
    principal: MembersWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Add a contact person to a company member; 409 `not_a_company` for a person."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_contact(s, principal, customer_id, body, utcnow()),
    )


@router.get("/contacts", response_model=ContactPage, responses=problems(401, 403, 404, 503))
async def list_contacts(
    customer_id: CustomerId, principal: MembersRead, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> ContactPage:
    """The company's contacts, newest first."""
    return await uow.read(lambda s: service.list_contacts(s, principal, customer_id, limit, cursor))


@router.post(
    "/activities",
    status_code=201,
    response_model=ActivityPublic,
    responses=problems(401, 403, 404, 413, 415, 503),
)
async def create_activity(
    request: Request,
    customer_id: CustomerId,
    body: ActivityCreate,
    principal: MembersWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Log a call, visit or message; `follow_up_on` schedules a follow-up reminder."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_activity(s, principal, customer_id, body, utcnow()),
    )


@router.get("/activities", response_model=ActivityPage, responses=problems(401, 403, 404, 503))
async def list_activities(
    customer_id: CustomerId, principal: MembersRead, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> ActivityPage:
    """The member's activities, most recently logged first."""
    return await uow.read(lambda s: service.list_activities(s, principal, customer_id, limit, cursor))
