"""Tiers, service types and the points settings (with their change history)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import ConfigDict, StringConstraints
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.models.base import Basis, Cents, UTCDateTime
from app.models.types import MarginIn, Money, MoneyIn, Rate, RateIn, RequestModel

CODE = r"^[a-z0-9][a-z0-9_\-]{0,31}$"
ServiceCode = Annotated[str, StringConstraints(max_length=32, pattern=CODE)]


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

    code: str = Field(max_length=32, schema_extra={"pattern": CODE})
    name: str = Field(min_length=1, max_length=100)
    threshold: MoneyIn
    rebate_rate: RateIn
    allowed_services: list[ServiceCode] = Field(default_factory=list, max_length=100)


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
    created_at: datetime = Field(sa_type=UTCDateTime)


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

    code: str = Field(max_length=32, schema_extra={"pattern": CODE})
    name: str = Field(min_length=1, max_length=100)
    category: str = Field(min_length=1, max_length=100)
    average_margin: MarginIn
    points_weight: RateIn = Decimal(1)


class ServiceTypeUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"average_margin": "0.38"}]})

    name: str | None = Field(default=None, min_length=1, max_length=100)
    category: str | None = Field(default=None, min_length=1, max_length=100)
    average_margin: MarginIn | None = None
    points_weight: RateIn | None = None


class ServiceTypePublic(SQLModel):
    code: str
    name: str
    category: str
    average_margin: Rate
    points_weight: Rate


class ServiceTypeList(SQLModel):
    items: list[ServiceTypePublic]


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
                    "liability_target": "150000.00",
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


class PointsSettingsPublic(SQLModel):
    x_development: Rate
    x_maintenance: Rate
    y_development: Rate
    y_maintenance: Rate
    point_value: Rate
    liability_warning: Money
    liability_critical: Money
    liability_target: Money
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
