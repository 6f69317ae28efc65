"""Webhook endpoints, the event outbox and the delivery log (Standard Webhooks)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, StrictBool, StringConstraints
from sqlalchemy import JSON, Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime
from app.models.types import RequestModel


class EventType(StrEnum):
    transaction_posted = "transaction.posted"
    transaction_refunded = "transaction.refunded"
    points_redeemed = "points.redeemed"
    points_adjusted = "points.adjusted"
    tier_changed = "tier.changed"
    alert_raised = "alert.raised"
    settlement_completed = "settlement.completed"
    campaign_executed = "campaign.executed"


class DeliveryStatus(StrEnum):
    pending = "pending"
    succeeded = "succeeded"


def _plain_url(value: str) -> str:
    """http(s) only, and never credentials in the URL (they would show in every delivery log)."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http or https URL with a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry credentials (user:password@)")
    return value


WebhookUrl = Annotated[
    str,
    StringConstraints(min_length=8, max_length=2000, pattern=r"^https?://[\x21-\x7e]+$"),
    AfterValidator(_plain_url),
]


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoint"

    id: str = Field(primary_key=True, max_length=40)
    url: str = Field(max_length=2000)
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))
    # HMAC secrets must be readable to sign; the previous one signs too until it expires.
    secret: str = Field(max_length=100)
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    enabled: bool = True
    consecutive_failures: int = 0
    disabled_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WebhookState(SQLModel, table=True):
    """One row: bumped with every endpoint change, so each process reloads its subscriptions."""

    __tablename__ = "webhook_state"

    id: int = Field(primary_key=True)
    version: int = 0


class WebhookEvent(SQLModel, table=True):
    """The outbox: written in the transaction of the change; its id is the `webhook-id`."""

    __tablename__ = "webhook_event"

    id: str = Field(primary_key=True, max_length=40)
    type: str = Field(max_length=40)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class WebhookDelivery(SQLModel, table=True):
    """One event to one endpoint; `next_attempt_at` is also the lease of a delivery in flight."""

    __tablename__ = "webhook_delivery"

    id: str = Field(primary_key=True, max_length=40)
    endpoint_id: str = Field(
        sa_column=Column(
            String(40), ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    event_id: str = Field(sa_column=Column(String(40), ForeignKey("webhook_event.id"), nullable=False))
    event_type: str = Field(max_length=40)
    status: str = Field(max_length=20)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    last_duration_ms: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"url": "https://dms.example.com/hooks/crm", "events": ["tier.changed"]}]
        },
    )

    url: WebhookUrl
    events: list[EventType] = Field(min_length=1, max_length=len(EventType))
    enabled: StrictBool = True


class WebhookUpdate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"events": ["tier.changed", "points.redeemed"], "enabled": True}]},
    )

    url: WebhookUrl | None = None
    events: list[EventType] | None = Field(default=None, min_length=1, max_length=len(EventType))
    enabled: StrictBool | None = None


class WebhookPublic(SQLModel):
    id: str
    url: str
    events: list[EventType]
    enabled: bool
    consecutive_failures: int
    disabled_reason: str | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="The signing secret (`whsec_…`); shown only in this response.")


class WebhookPage(SQLModel):
    items: list[WebhookPublic]
    next_cursor: str | None


class DeliveryPublic(SQLModel):
    id: str
    event_id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: int | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(SQLModel):
    items: list[DeliveryPublic]
    next_cursor: str | None


WebhookId = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_]{1,40}$")]
