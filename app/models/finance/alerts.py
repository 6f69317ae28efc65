"""Alerts: what happened, how bad, what caused it, the figures then, and who handled it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, StringConstraints
from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime
from app.models.text import TEXT
from app.models.types import RequestModel


class AlertKind(StrEnum):
    liability_warning = "liability.warning"
    liability_critical = "liability.critical"
    pnl_margin_low = "pnl.margin_low"
    tier_changed = "tier.changed"
    settlement_completed = "settlement.completed"
    webhook_disabled = "webhook.disabled"
    customer_at_risk = "customer.at_risk"


class Severity(StrEnum):
    info = "info"
    warning = "warning"
    critical = "critical"


class AlertStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class CauseType(StrEnum):
    transaction = "transaction"
    customer = "customer"
    settlement = "settlement"
    check = "check"
    period = "period"
    webhook = "webhook"


class Alert(SQLModel, table=True):
    __tablename__ = "alert"
    __table_args__ = (
        Index("ix_alert_kind_created", "kind", "id"),
        Index("ix_alert_customer_id", "customer_id"),
    )

    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=32)
    severity: str = Field(max_length=16)
    status: str = Field(max_length=16)
    cause_type: str = Field(max_length=16)
    cause_id: str | None = Field(default=None, max_length=64)
    customer_id: str | None = Field(default=None, max_length=40)
    message: str = Field(max_length=500)
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Raising twice with one key keeps the first (a period's P&L check, a crossing).
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: str | None = Field(default=None, max_length=40)
    acknowledge_note: str | None = Field(default=None, max_length=1000)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: str | None = Field(default=None, max_length=40)
    resolve_note: str | None = Field(default=None, max_length=1000)


class Cause(SQLModel):
    type: CauseType
    id: str | None = Field(description="The purchase, member or settlement id (none for a periodic check).")


class AlertPublic(SQLModel):
    id: str
    kind: AlertKind
    severity: Severity
    status: AlertStatus
    cause: Cause
    customer_id: str | None
    message: str
    figures: dict[str, Any] = Field(description="The figures at the moment it was raised (decimal strings).")
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None = Field(description="The API key id that acknowledged it.")
    acknowledge_note: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolve_note: str | None


class AlertPage(SQLModel):
    items: list[AlertPublic]
    next_cursor: str | None


#: A note on an alert: lines of text, not blank, at most 1000 characters; trimmed.
AlertNoteText = Annotated[
    str, StringConstraints(min_length=1, max_length=1000, pattern=TEXT), AfterValidator(str.strip)
]


class AlertNote(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"note": "finance informed"}]})

    note: AlertNoteText | None = None
