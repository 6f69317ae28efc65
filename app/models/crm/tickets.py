"""Service feedback and complaints as tickets, split into tasks."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, StrictBool
from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.domain.crm.tickets import TicketStatus
from app.models.base import UTCDateTime
from app.models.text import Label, Name, ResourceId, StoreId, Text
from app.models.types import DateIn, RequestModel


class TicketKind(StrEnum):
    feedback = "feedback"
    complaint = "complaint"


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_customer_id_id", "customer_id", "id"),
        Index("ix_ticket_status", "status"),
    )

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    kind: str = Field(max_length=16)
    status: str = Field(max_length=16)
    subject: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    assignee: str | None = Field(default=None, max_length=100)
    store_id: str | None = Field(default=None, max_length=64)
    resolution: str | None = Field(default=None, max_length=5000)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TicketCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "customer_id": "cus_01JD0000000000000000000000",
                    "kind": "complaint",
                    "subject": "Waited two hours past the promised time",
                    "assignee": "li.wei",
                    "store_id": "dealer-01",
                }
            ]
        },
    )

    customer_id: ResourceId
    kind: TicketKind
    subject: Name
    description: Text | None = None
    assignee: Label | None = None
    store_id: StoreId | None = None


class TicketUpdate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "closed", "resolution": "Apologised; free car wash."}]},
    )

    status: TicketStatus | None = None
    subject: Name | None = None
    description: Text | None = None
    assignee: Label | None = None
    resolution: Text | None = None


class TicketPublic(SQLModel):
    id: str
    customer_id: str
    kind: TicketKind
    status: TicketStatus
    subject: str
    description: str | None
    assignee: str | None
    store_id: str | None
    resolution: str | None
    open_tasks: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class TicketPage(SQLModel):
    items: list[TicketPublic]
    next_cursor: str | None


class TicketTask(SQLModel, table=True):
    __tablename__ = "ticket_task"
    __table_args__ = (Index("ix_ticket_task_ticket_id_id", "ticket_id", "id"),)

    id: str = Field(primary_key=True, max_length=40)
    ticket_id: str = Field(sa_column=Column(String(40), ForeignKey("ticket.id"), nullable=False))
    title: str = Field(max_length=200)
    assignee: str | None = Field(default=None, max_length=100)
    due_on: date | None = None
    done: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TaskCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Call the customer back", "assignee": "li.wei"}]},
    )

    title: Name
    assignee: Label | None = None
    due_on: DateIn | None = None


class TaskUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"done": True}]})

    title: Name | None = None
    assignee: Label | None = None
    due_on: DateIn | None = None
    done: StrictBool | None = None


class TaskPublic(SQLModel):
    id: str
    ticket_id: str
    title: str
    assignee: str | None
    due_on: date | None
    done: bool
    created_at: datetime
    done_at: datetime | None


class TaskPage(SQLModel):
    items: list[TaskPublic]
    next_cursor: str | None
