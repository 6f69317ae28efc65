"""Maintenance records of a member (维护记录) and the services its tier allows."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import ConfigDict, StrictBool, StrictInt, model_validator
from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime
from app.models.crm.vehicles import MAX_KM
from app.models.text import Code, Line, ResourceId, ShortText, StoreId
from app.models.types import PastDate, RequestModel


class MaintenanceRecord(SQLModel, table=True):
    __tablename__ = "maintenance_record"
    __table_args__ = (
        Index("ix_maintenance_record_customer_id_id", "customer_id", "id"),
        Index("ix_maintenance_record_vehicle_id", "vehicle_id"),
    )

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    vehicle_id: str | None = Field(default=None, sa_column=Column(String(40), ForeignKey("vehicle.id")))
    service_type: str = Field(max_length=32)
    performed_on: date
    mileage_km: int | None = None
    notes: str | None = Field(default=None, max_length=2000)
    store_id: str | None = Field(default=None, max_length=64)
    tier: str = Field(max_length=32)
    override_reason: str | None = Field(default=None, max_length=500)
    override_by: str | None = Field(default=None, max_length=40)
    api_key_id: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(sa_type=UTCDateTime)


class MaintenanceCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "service_type": "maintenance",
                    "vehicle_id": "veh_01JD0000000000000000000000",
                    "performed_on": "2026-11-20",
                    "mileage_km": 15000,
                    "notes": "15k km service, oil and filters",
                    "store_id": "dealer-01",
                }
            ]
        },
    )

    service_type: Code
    vehicle_id: ResourceId | None = None
    performed_on: PastDate | None = Field(
        default=None, description="Defaults to today (UTC); not after today."
    )
    mileage_km: StrictInt | None = Field(default=None, ge=0, le=MAX_KM)
    notes: ShortText | None = None
    store_id: StoreId | None = None
    override: StrictBool = Field(
        default=False, description="Record a service the tier does not allow (admin keys; needs a reason)."
    )
    override_reason: Line | None = None

    @model_validator(mode="after")
    def _override_has_reason(self) -> MaintenanceCreate:
        if self.override and not self.override_reason:
            raise ValueError("an override needs an override_reason")
        if self.override_reason and not self.override:
            raise ValueError("override_reason is only for override=true")
        return self


class MaintenancePublic(SQLModel):
    id: str
    customer_id: str
    vehicle_id: str | None
    service_type: str
    performed_on: date
    mileage_km: int | None
    notes: str | None
    store_id: str | None
    tier: str
    override_reason: str | None
    override_by: str | None
    created_at: datetime


class MaintenancePage(SQLModel):
    items: list[MaintenancePublic]
    next_cursor: str | None


class AllowedService(SQLModel):
    code: str
    name: str
    category: str
    maintenance_interval_days: int | None
    maintenance_interval_km: int | None


class TierServices(SQLModel):
    customer_id: str
    tier: str
    tier_name: str
    items: list[AllowedService]
