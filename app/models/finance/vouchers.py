"""Vouchers: how a settled member is paid; the POS uses each once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.models.base import Cents, UTCDateTime
from app.models.text import Line, StoreId
from app.models.types import Money, RequestModel

VOUCHER_CODE = r"^[A-Z0-9]{4,32}$"


class VoucherStatus(StrEnum):
    issued = "issued"
    used = "used"
    void = "void"


class Voucher(SQLModel, table=True):
    __tablename__ = "voucher"
    __table_args__ = (Index("ix_voucher_customer_id", "customer_id", "code"),)

    code: str = Field(primary_key=True, max_length=32)
    customer_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    settlement_id: str | None = Field(default=None, max_length=40)
    amount: Decimal = Field(sa_type=Cents)
    status: str = Field(max_length=16)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_store_id: str | None = Field(default=None, max_length=64)
    used_by: str | None = Field(default=None, max_length=40)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    void_reason: str | None = Field(default=None, max_length=500)


class VoucherUse(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"store_id": "dealer-01"}]})

    store_id: StoreId


class VoucherVoid(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "issued in error"}]})

    reason: Line


class VoucherPublic(SQLModel):
    code: str
    customer_id: str
    settlement_id: str | None
    amount: Money
    status: VoucherStatus
    issued_at: datetime
    used_at: datetime | None
    used_store_id: str | None
    voided_at: datetime | None
    void_reason: str | None


class VoucherPage(SQLModel):
    items: list[VoucherPublic]
    next_cursor: str | None
