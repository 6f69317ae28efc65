"""Marketing consent per channel: an append-only log of decisions; the latest per channel holds."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, StrictBool
from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.domain.crm.consents import ConsentChannel
from app.models.base import UTCDateTime
from app.models.text import Label
from app.models.types import RequestModel


class ConsentEvent(SQLModel, table=True):
    __tablename__ = "consent_event"
    __table_args__ = (Index("ix_consent_event_customer_channel", "customer_id", "channel", "id"),)

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    channel: str = Field(max_length=16)
    granted: bool
    source: str = Field(max_length=100)
    at: datetime = Field(sa_type=UTCDateTime)
    api_key_id: str | None = Field(default=None, max_length=40)
    user_id: str | None = Field(default=None, max_length=40)


class ConsentState(SQLModel):
    granted: bool = Field(description="`false` when withdrawn or never given.")
    at: datetime | None = Field(description="When the decision in force was recorded (none: never asked).")
    source: str | None = Field(description="Where it was given or withdrawn (a form, the app, a call…).")


class ConsentsPublic(SQLModel):
    customer_id: str
    sms: ConsentState
    email: ConsentState
    phone: ConsentState
    wechat: ConsentState
    app: ConsentState


class ConsentsUpdate(RequestModel):
    """Only the channels sent change; each change is logged with its time and `source`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"sms": True, "wechat": True, "email": False, "source": "store-form"}]
        },
    )

    sms: StrictBool | None = None
    email: StrictBool | None = None
    phone: StrictBool | None = None
    wechat: StrictBool | None = None
    app: StrictBool | None = None
    source: Label = Field(description="Where the member gave or withdrew consent.")

    def decisions(self) -> dict[ConsentChannel, bool]:
        return {c: getattr(self, c.value) for c in ConsentChannel if getattr(self, c.value) is not None}
