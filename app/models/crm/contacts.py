"""Contacts of company members and the contact activities logged with any member."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, StrictBool
from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime
from app.models.text import Email, Label, Name, Phone, ShortText, Text
from app.models.types import Birthday, DateIn, RequestModel, TimestampIn


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = (Index("ix_contact_customer_id_id", "customer_id", "id"),)

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    name: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    birthday: date | None = None
    is_main: bool = False
    notes: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ContactCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "王芳",
                    "title": "Fleet manager",
                    "phone": "+86 755 8888 0001",
                    "email": "wang.fang@shunda.example.com",
                    "is_main": True,
                }
            ]
        },
    )

    name: Name
    title: Label | None = Field(default=None, description="Role or job title.")
    phone: Phone | None = None
    email: Email | None = None
    birthday: Birthday | None = None
    is_main: StrictBool = Field(default=False, description="The company's main contact (one at a time).")
    notes: ShortText | None = None


class ContactPublic(SQLModel):
    id: str
    customer_id: str
    name: str
    title: str | None
    phone: str | None
    email: str | None
    birthday: date | None
    is_main: bool
    notes: str | None
    created_at: datetime


class ContactPage(SQLModel):
    items: list[ContactPublic]
    next_cursor: str | None


class ActivityType(StrEnum):
    call = "call"
    visit = "visit"
    meeting = "meeting"
    message = "message"
    test_drive = "test_drive"
    service_follow_up = "service_follow_up"
    other = "other"


class Channel(StrEnum):
    phone = "phone"
    sms = "sms"
    wechat = "wechat"
    email = "email"
    in_person = "in_person"
    other = "other"


class Activity(SQLModel, table=True):
    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_customer_id_id", "customer_id", "id"),
        Index("ix_activity_follow_up_on", "follow_up_on"),
    )

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    type: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    subject: str = Field(max_length=200)
    notes: str | None = Field(default=None, max_length=5000)
    staff: str | None = Field(default=None, max_length=100)
    follow_up_on: date | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class ActivityCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "call",
                    "channel": "phone",
                    "occurred_at": "2026-11-22T10:00:00+08:00",
                    "subject": "回访: 15k km service",
                    "notes": "Happy with the service; asks about winter tyres.",
                    "staff": "li.wei",
                    "follow_up_on": "2026-12-01",
                }
            ]
        },
    )

    type: ActivityType
    channel: Channel
    occurred_at: TimestampIn | None = Field(default=None, description="Defaults to now.")
    subject: Name
    notes: Text | None = None
    staff: Label | None = None
    follow_up_on: DateIn | None = Field(default=None, description="When to contact the member again.")


class ActivityPublic(SQLModel):
    id: str
    customer_id: str
    type: ActivityType
    channel: Channel
    occurred_at: datetime
    subject: str
    notes: str | None
    staff: str | None
    follow_up_on: date | None
    created_at: datetime


class ActivityPage(SQLModel):
    items: list[ActivityPublic]
    next_cursor: str | None
