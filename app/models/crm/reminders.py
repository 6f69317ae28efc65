"""Reminders as the API shows them."""

from __future__ import annotations

from datetime import date

from sqlmodel import SQLModel

from app.domain.crm.reminders import ReminderKind


class ReminderPublic(SQLModel):
    kind: ReminderKind
    key: str
    due_on: date
    customer_id: str
    subject: str
    vehicle_id: str | None
    service_type: str | None
    activity_id: str | None
    contact_id: str | None


class ReminderPage(SQLModel):
    items: list[ReminderPublic]
    next_cursor: str | None
