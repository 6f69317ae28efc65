"""Tickets for service feedback and complaints, and their tasks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from app.api.deps import Cursor, IdempotencyKey, Limit, MembersRead, MembersWrite, UoW, create_once
from app.domain.crm.tickets import TicketStatus
from app.errors import problems
from app.models.base import utcnow
from app.models.crm.tickets import (
    TaskCreate,
    TaskPage,
    TaskPublic,
    TaskUpdate,
    TicketCreate,
    TicketKind,
    TicketPage,
    TicketPublic,
    TicketUpdate,
)
from app.models.text import STORE_ID
from app.services.crm import tickets as service
from app.services.crm.tickets import TicketFilters

router = APIRouter(prefix="/tickets", tags=["tickets"])
TicketId = Annotated[str, Path(min_length=1, max_length=64)]
TaskId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "", status_code=201, response_model=TicketPublic, responses=problems(401, 403, 404, 413, 415, 503)
)
async def create_ticket(
    request: Request,
    body: TicketCreate,
    principal: MembersWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Open a feedback or complaint ticket for a member."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_ticket(s, principal, body, utcnow()),
    )


@router.get("", response_model=TicketPage, responses=problems(401, 403, 404, 503))
async def list_tickets(
    principal: MembersRead,
    uow: UoW,
    customer_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    status: TicketStatus | None = None,
    kind: TicketKind | None = None,
    assignee: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    store_id: Annotated[str | None, Query(max_length=64, pattern=STORE_ID)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> TicketPage:
    """Tickets the caller sees, newest first, filtered by member, status, kind, assignee or store."""
    filters = TicketFilters(customer_id, status, kind, assignee, store_id)
    return await uow.read(lambda s: service.list_tickets(s, principal, filters, limit, cursor))


@router.get("/{ticket_id}", response_model=TicketPublic, responses=problems(401, 403, 404, 503))
async def get_ticket(ticket_id: TicketId, principal: MembersRead, uow: UoW) -> TicketPublic:
    """One ticket with its count of open tasks."""
    return await uow.read(lambda s: service.get_ticket(s, principal, ticket_id))


@router.patch(
    "/{ticket_id}", response_model=TicketPublic, responses=problems(401, 403, 404, 409, 413, 415, 503)
)
async def update_ticket(
    ticket_id: TicketId, body: TicketUpdate, principal: MembersWrite, uow: UoW
) -> TicketPublic:
    """Edit or move the ticket: open → in_progress → closed (with a resolution); 409 otherwise."""
    return await uow.run(lambda s: service.update_ticket(s, principal, ticket_id, body, utcnow()))


@router.post(
    "/{ticket_id}/tasks",
    status_code=201,
    response_model=TaskPublic,
    responses=problems(401, 403, 404, 409, 413, 415, 503),
)
async def create_task(
    request: Request,
    ticket_id: TicketId,
    body: TaskCreate,
    principal: MembersWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Split the ticket into a task; 409 on a closed ticket."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_task(s, principal, ticket_id, body, utcnow()),
    )


@router.get("/{ticket_id}/tasks", response_model=TaskPage, responses=problems(401, 403, 404, 503))
async def list_tasks(
    ticket_id: TicketId, principal: MembersRead, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> TaskPage:
    """The ticket's tasks, newest first."""
    return await uow.read(lambda s: service.list_tasks(s, principal, ticket_id, limit, cursor))


@router.patch(
    "/{ticket_id}/tasks/{task_id}",
    response_model=TaskPublic,
    responses=problems(401, 403, 404, 413, 415, 503),
)
async def update_task(
    ticket_id: TicketId, task_id: TaskId, body: TaskUpdate, principal: MembersWrite, uow: UoW
) -> TaskPublic:
    """Edit a task or mark it done."""
    return await uow.run(lambda s: service.update_task(s, principal, ticket_id, task_id, body, utcnow()))
