"""Settlement runs, the members each paid out (with a voucher), and the audit of every step."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, field_validator
from sqlalchemy import JSON, Column, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import Basis, Cents, UTCDateTime
from app.models.text import Line
from app.models.types import Money, MoneyIn, Rate, RequestModel


class SettlementStatus(StrEnum):
    queued = "queued"
    running = "running"
    completed = "completed"


class Trigger(StrEnum):
    critical = "critical"
    manual = "manual"


class Settlement(SQLModel, table=True):
    __tablename__ = "settlement"

    id: str = Field(primary_key=True, max_length=40)
    status: str = Field(max_length=16)
    trigger: str = Field(max_length=16)
    target: Decimal | None = Field(default=None, sa_type=Cents)  # None: the setting in force at run time
    reason: Line | None = None
    api_key_id: str | None = Field(default=None, max_length=40)
    cause_id: str | None = Field(default=None, max_length=40)  # the purchase that crossed critical
    point_value: Decimal | None = Field(default=None, sa_type=Basis)
    min_balance: Decimal | None = Field(default=None, sa_type=Cents)
    liability_before: Decimal | None = Field(default=None, sa_type=Cents)
    liability_after: Decimal | None = Field(default=None, sa_type=Cents)
    members: int = 0
    points: Decimal = Field(default=Decimal(0), sa_type=Cents)
    amount: Decimal = Field(default=Decimal(0), sa_type=Cents)
    created_at: datetime = Field(sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SettlementItem(SQLModel, table=True):
    """One member paid out by a run; unique per run, so a resumed run never pays anyone twice."""

    __tablename__ = "settlement_item"
    __table_args__ = (UniqueConstraint("settlement_id", "customer_id"),)

    id: str = Field(primary_key=True, max_length=40)
    settlement_id: str = Field(sa_column=Column(String(40), ForeignKey("settlement.id"), nullable=False))
    position: int
    customer_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    points: Decimal = Field(sa_type=Cents)
    amount: Decimal = Field(sa_type=Cents)
    ledger_entry_id: str = Field(max_length=40)
    voucher_code: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)


class SettlementEvent(SQLModel, table=True):
    """The audit of a run: queued, started, resumed, settled, skipped, completed."""

    __tablename__ = "settlement_event"

    id: str = Field(primary_key=True, max_length=40)
    settlement_id: str = Field(
        sa_column=Column(String(40), ForeignKey("settlement.id"), nullable=False, index=True)
    )
    step: str = Field(max_length=32)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)


class SettlementCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"target": "50000.00", "reason": "quarter end"}]}
    )

    target: MoneyIn | None = Field(
        default=None, description="Money, above 0; default the liability target in force."
    )
    reason: Line | None = None

    @field_validator("target")
    @classmethod
    def _positive(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value <= 0:
            raise ValueError("must be greater than 0 (0.01 settles every balance above the minimum)")
        return value


class SettlementItemPublic(SQLModel):
    position: int
    customer_id: str
    points: Money
    amount: Money = Field(description="Money paid: the points at the point value.")
    ledger_entry_id: str
    voucher_code: str
    created_at: datetime


class SettlementEventPublic(SQLModel):
    step: str
    detail: dict[str, Any]
    created_at: datetime


class SettlementPublic(SQLModel):
    id: str
    status: SettlementStatus
    trigger: Trigger
    target: Money | None
    reason: str | None
    cause_id: str | None
    point_value: Rate | None
    min_balance: Money | None
    liability_before: Money | None
    liability_after: Money | None
    members: int
    points: Money
    amount: Money
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None


class SettlementDetail(SettlementPublic):
    items: list[SettlementItemPublic]
    events: list[SettlementEventPublic]


class SettlementPage(SQLModel):
    items: list[SettlementPublic]
    next_cursor: str | None


class PreviewItem(SQLModel):
    customer_id: str
    points: Money
    amount: Money


class SettlementPreview(SQLModel):
    liability: Money
    target: Money
    point_value: Rate
    min_balance: Money
    members: int
    points: Money
    amount: Money
    liability_after: Money
    items: list[PreviewItem] = Field(description="At most 500 members, largest balances first.")
    truncated: bool
