"""Tickets for service feedback and complaints, and the tasks they are split into.

Status changes follow `domain.crm.tickets`; the ticket's row is locked while it changes, so
a close and a new task cannot interleave (the close sees every task).

A ticket is handled by a store: a store-bound key opens tickets for its own store (an omitted
`store_id` is its store, another is 403) about members it sees, and sees, edits and splits
only its store's tickets of members it sees; any other ticket (or task) is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.tickets import TicketStatus, check_transition
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.models import Ticket, TicketTask
from app.models.base import new_id
from app.models.crm.tickets import (
    TaskCreate,
    TaskPage,
    TaskPublic,
    TaskUpdate,
    TicketCreate,
    TicketPage,
    TicketPublic,
    TicketUpdate,
)
from app.repositories import tables
from app.repositories.crm import rows, seen
from app.repositories.crm import tickets as repo
from app.services.crm.members import member_field, seen_member
from app.services.crm.pages import split
from app.services.integration.api_keys import Principal
from app.services.loyalty.stores import require_store
from app.services.marketing import analysis
from app.services.pagination import decode_cursor, encode_cursor

tk = tables.ticket


@dataclass(frozen=True)
class TicketFilters:
    customer_id: str | None = None
    status: str | None = None
    kind: str | None = None
    assignee: str | None = None
    store_id: str | None = None


def _public(ticket: Ticket | dict[str, Any], open_tasks: int) -> TicketPublic:
    data = ticket if isinstance(ticket, dict) else ticket.model_dump()
    return TicketPublic.model_validate({**data, "open_tasks": open_tasks})


def _not_null(values: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    """The fields sent; null clears an optional one and is refused for a required one."""
    for field in required:
        if field in values and values[field] is None:
            raise InvalidInput.at(field, "may not be null")
    return values


async def create_ticket(
    session: AsyncSession, principal: Principal, body: TicketCreate, now: datetime
) -> TicketPublic:
    """Open a ticket; a key bound to a store opens tickets for that store only."""
    if body.store_id is not None:
        principal.check_store(body.store_id)
        await require_store(session, body.store_id)
    await member_field(session, principal, body.customer_id)
    values = body.model_dump()
    values.update(
        store_id=body.store_id or principal.store_id,
        id=new_id("tkt"),
        status=TicketStatus.open.value,
        resolution=None,
        created_at=now,
        updated_at=now,
        closed_at=None,
    )
    await rows.add(session, tk, values)
    await analysis.on_ticket(session, body.customer_id, body.kind, now)
    return _public(values, 0)


async def _require(
    session: AsyncSession, principal: Principal, ticket_id: str, *, for_update: bool = False
) -> Ticket:
    """A ticket of the caller's store (if bound to one) and of a live member it sees, or 404."""
    ticket = await rows.get(session, tk, Ticket, ticket_id, for_update=for_update)
    if ticket is None or not (principal.rep is not None or principal.sees_store(ticket.store_id)):
        raise NotFound(f"no ticket {ticket_id}")
    try:
        await seen_member(session, principal, ticket.customer_id)
    except NotFound:
        raise NotFound(f"no ticket {ticket_id}") from None
    return ticket


async def get_ticket(session: AsyncSession, principal: Principal, ticket_id: str) -> TicketPublic:
    ticket = await _require(session, principal, ticket_id)
    return _public(ticket, (await repo.open_tasks(session, [ticket_id])).get(ticket_id, 0))


async def list_tickets(
    session: AsyncSession, principal: Principal, filters: TicketFilters, limit: int, cursor: str | None
) -> TicketPage:
    """Newest first, filtered; only tickets the caller sees (never those of deleted members)."""
    where: list[ColumnElement[bool]] = [tk.c.customer_id.in_(seen.member_ids(principal.reach))]
    if principal.rep is None and principal.store_id is not None:
        where.append(tk.c.store_id == principal.store_id)
    for field in ("customer_id", "status", "kind", "assignee", "store_id"):
        value = getattr(filters, field)
        if value is not None:
            where.append(tk.c[field] == value)
    found = await rows.page(session, tk, Ticket, where, limit + 1, decode_cursor(cursor, "tkt"))
    page, after = split(found, limit)
    counts = await repo.open_tasks(session, [t.id for t in page])
    return TicketPage(
        items=[_public(t, counts.get(t.id, 0)) for t in page],
        next_cursor=encode_cursor(after) if after else None,
    )


async def update_ticket(
    session: AsyncSession, principal: Principal, ticket_id: str, body: TicketUpdate, now: datetime
) -> TicketPublic:
    """Edit the ticket or move it through its workflow (illegal moves: 409 `illegal_transition`)."""
    ticket = await _require(session, principal, ticket_id, for_update=True)
    values = _not_null(body.model_dump(exclude_unset=True), ("status", "subject", "resolution"))
    open_tasks = (await repo.open_tasks(session, [ticket_id])).get(ticket_id, 0)
    current = TicketStatus(ticket.status)
    target = TicketStatus(values.get("status", current))
    check_transition(
        current, target, resolution=values.get("resolution", ticket.resolution), open_tasks=open_tasks
    )
    if target != current:
        values["closed_at"] = now if target == TicketStatus.closed else None
    if values:
        values["updated_at"] = now
        await repo.update_ticket(session, ticket_id, values)
    if target != current:
        await analysis.on_ticket(session, ticket.customer_id, ticket.kind, now)
    return _public({**ticket.model_dump(), **values}, open_tasks)


async def create_task(
    session: AsyncSession, principal: Principal, ticket_id: str, body: TaskCreate, now: datetime
) -> TaskPublic:
    """Split a ticket into tasks; a closed ticket takes no new task (reopen it first)."""
    ticket = await _require(session, principal, ticket_id, for_update=True)
    if ticket.status == TicketStatus.closed:
        raise Conflict(f"ticket {ticket_id} is closed; reopen it (status in_progress) to add tasks")
    values = body.model_dump()
    values.update(id=new_id("tsk"), ticket_id=ticket_id, done=False, created_at=now)
    await rows.add(session, tables.ticket_task, values)
    await repo.update_ticket(session, ticket_id, {"updated_at": now})
    return TaskPublic.model_validate({**values, "done_at": None})


async def list_tasks(
    session: AsyncSession, principal: Principal, ticket_id: str, limit: int, cursor: str | None
) -> TaskPage:
    await _require(session, principal, ticket_id)
    ts = tables.ticket_task
    found = await rows.page(
        session, ts, TicketTask, [ts.c.ticket_id == ticket_id], limit + 1, decode_cursor(cursor, "tsk")
    )
    page, after = split(found, limit)
    return TaskPage(
        items=[TaskPublic.model_validate(t.model_dump()) for t in page],
        next_cursor=encode_cursor(after) if after else None,
    )


async def update_task(
    session: AsyncSession, principal: Principal, ticket_id: str, task_id: str, body: TaskUpdate, now: datetime
) -> TaskPublic:
    """Edit a task or mark it done (or not done again)."""
    await _require(session, principal, ticket_id, for_update=True)
    task = await rows.get(session, tables.ticket_task, TicketTask, task_id)
    if task is None or task.ticket_id != ticket_id:
        raise NotFound(f"no task {task_id} on ticket {ticket_id}")
    values = _not_null(body.model_dump(exclude_unset=True), ("title", "done"))
    if "done" in values and values["done"] != task.done:
        values["done_at"] = now if values["done"] else None
    if values:
        await repo.update_task(session, task_id, values)
    return TaskPublic.model_validate({**task.model_dump(), **values})
