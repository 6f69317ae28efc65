"""Reminders due soon: birthdays, purchase anniversaries, follow-ups, maintenance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import Cursor, Limit, MembersRead, UoW
from app.errors import problems
from app.models.base import utcnow
from app.models.crm.reminders import ReminderPage
from app.services.crm import reminders as service
from app.services.crm.reminders import MAX_DAYS

router = APIRouter(prefix="/reminders", tags=["reminders"])


@router.get("", response_model=ReminderPage, responses=problems(401, 403, 404, 503))
async def list_reminders(
    principal: MembersRead,
    uow: UoW,
    days: Annotated[
        int, Query(ge=0, le=MAX_DAYS, description="Look this many days ahead (from today, UTC).")
    ] = 30,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ReminderPage:
    """What falls due for the members the caller sees, today to today + days, soonest first."""
    return await uow.read(
        lambda s: service.page_reminders(s, principal, utcnow().date(), days, limit, cursor)
    )
