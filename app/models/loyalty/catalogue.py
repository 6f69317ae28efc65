"""Tiers, service types and the points settings (with their change history)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, StrictBool, StrictInt
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.models.base import Basis, Cents, UTCDateTime
from app.models.text import Code, Label
from app.models.types import MarginIn, Money, MoneyIn, Rate, RateIn, RequestModel, WeightIn, not_null

INTERVAL_DAYS = "Maintenance falls due this many days after the last one of this type (null: no reminder)."
INTERVAL_KM = "Maintenance falls due after this many km since the last one of this type (null: by date only)."


class Tier(SQLModel, table=True):
    __tablename__ = "tier"

    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=100)
    position: int
    threshold: Decimal = Field(sa_type=Cents)
    rebate_rate: Decimal = Field(sa_type=Basis)
    allowed_services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class TierIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Label
    threshold: MoneyIn
    rebate_rate: RateIn
    allowed_services: list[Code] = Field(default_factory=list, max_length=100)


class TierPublic(SQLModel):
    code: str
    name: str
    threshold: Money
    rebate_rate: Rate
    allowed_services: list[str]


class TierTableIn(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "tiers": [
                        {
                            "code": "standard",
                            "name": "Standard",
                            "threshold": "0",
                            "rebate_rate": "0",
                            "allowed_services": ["maintenance"],
                        },
                        {
                            "code": "silver",
                            "name": "Silver",
                            "threshold": "5000",
                            "rebate_rate": "0.05",
                            "allowed_services": ["maintenance", "repair"],
                        },
                    ]
                }
            ]
        },
    )

    tiers: list[TierIn] = Field(min_length=1, max_length=50)


class TierTable(SQLModel):
    tiers: list[TierPublic]


class ServiceType(SQLModel, table=True):
    __tablename__ = "service_type"

    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=100)
    category: str = Field(max_length=100)
    average_margin: Decimal = Field(sa_type=Basis)
    points_weight: Decimal = Field(sa_type=Basis)
    # A retired type is refused on new purchase lines; purchases already posted keep it.
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)
    maintenance_interval_days: int | None = None
    maintenance_interval_km: int | None = None


class ServiceTypeCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "detailing",
                    "name": "Detailing",
                    "category": "after-sales",
                    "average_margin": "0.45",
                    "points_weight": "1",
                }
            ]
        },
    )

    code: Code
    name: Label
    category: Label
    average_margin: MarginIn
    points_weight: WeightIn = Decimal(1)
    maintenance_interval_days: StrictInt | None = Field(
        default=None, ge=1, le=3650, description=INTERVAL_DAYS
    )
    maintenance_interval_km: StrictInt | None = Field(
        default=None, ge=1, le=1_000_000, description=INTERVAL_KM
    )


class ServiceTypeUpdate(RequestModel):
    """Only the fields sent change; none of them may be null."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"average_margin": "0.38"}]})

    name: Label = not_null()
    category: Label = not_null()
    average_margin: MarginIn = not_null()
    points_weight: WeightIn = not_null()
    maintenance_interval_days: StrictInt | None = Field(
        default=None, ge=1, le=3650, description=INTERVAL_DAYS
    )
    maintenance_interval_km: StrictInt | None = Field(
        default=None, ge=1, le=1_000_000, description=INTERVAL_KM
    )
    active: StrictBool = not_null(
        description="false retires the type: new purchase lines may no longer name it."
    )


class ServiceTypePublic(SQLModel):
    """What is stored, as stored: no length or pattern is re-checked on the way out."""

    code: str
    name: str
    category: str
    average_margin: Rate
    points_weight: Rate
    maintenance_interval_days: int | None = None
    maintenance_interval_km: int | None = None
    active: bool


class ServiceTypeList(SQLModel):
    items: list[ServiceTypePublic]
    next_cursor: str | None


class PointsSettingsRow(SQLModel, table=True):
    """The single row (id 1) of the points settings in force."""

    __tablename__ = "points_settings"

    id: int = Field(primary_key=True)
    x_development: Decimal = Field(sa_type=Basis)
    x_maintenance: Decimal = Field(sa_type=Basis)
    point_value: Decimal = Field(sa_type=Basis)
    liability_warning: Decimal = Field(sa_type=Cents)
    liability_critical: Decimal = Field(sa_type=Cents)
    liability_target: Decimal = Field(sa_type=Cents)
    # Finance: months after which earned points expire (None: never), and the net-margin floor.
    points_expiry_months: int | None = None
    pnl_margin_floor: Decimal = Field(default=Decimal("0.05"), sa_type=Basis)
    # Bumped by every change of settings, tiers or service types: lets workers cache them.
    catalogue_version: int = 1
    updated_at: datetime = Field(sa_type=UTCDateTime)


class PointsSettingsChange(SQLModel, table=True):
    """Who changed the settings, when, from what to what."""

    __tablename__ = "points_settings_change"

    id: str = Field(primary_key=True, max_length=40)
    changed_at: datetime = Field(sa_type=UTCDateTime)
    api_key_id: str | None = Field(default=None, max_length=40)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class PointsSettingsIn(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "x_development": "0.8",
                    "x_maintenance": "0.8",
                    "point_value": "0.01",
                    "liability_warning": "100000.00",
                    "liability_critical": "250000.00",
                    "liability_target": "75000.00",
                }
            ]
        },
    )

    x_development: RateIn
    x_maintenance: RateIn
    point_value: RateIn
    liability_warning: MoneyIn
    liability_critical: MoneyIn
    liability_target: MoneyIn
    points_expiry_months: StrictInt | None = Field(
        default=None, ge=1, le=120, description="Points expire this many months after earned; omit for never."
    )
    pnl_margin_floor: RateIn = Field(
        default=Decimal("0.05"), description="Net margin below which `pnl.margin_low` is raised."
    )


class PointsSettingsPublic(SQLModel):
    x_development: Rate
    x_maintenance: Rate
    y_development: Rate
    y_maintenance: Rate
    point_value: Rate
    liability_warning: Money
    liability_critical: Money
    liability_target: Money
    points_expiry_months: int | None
    pnl_margin_floor: Rate
    updated_at: datetime


class PointsSettingsChangePublic(SQLModel):
    id: str
    changed_at: datetime
    api_key_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any]


class PointsSettingsHistory(SQLModel):
    items: list[PointsSettingsChangePublic]
    next_cursor: str | None
