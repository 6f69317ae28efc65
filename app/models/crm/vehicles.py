"""A member's vehicles and their odometer readings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, StrictBool, StrictInt, StringConstraints, field_validator, model_validator
from sqlalchemy import Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.domain.crm.vin import normalize_vin, vin_problem
from app.models.base import UTCDateTime
from app.models.text import LINE, Label, Line
from app.models.types import PastDate, RequestModel

MAX_KM = 9_999_999


class Vehicle(SQLModel, table=True):
    __tablename__ = "vehicle"
    __table_args__ = (UniqueConstraint("vin"), Index("ix_vehicle_customer_id_id", "customer_id", "id"))

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    vin: str = Field(max_length=17)
    plate: str | None = Field(default=None, max_length=16)
    make: str | None = Field(default=None, max_length=100)
    model: str | None = Field(default=None, max_length=100)
    model_year: int | None = None
    purchase_date: date | None = None
    odometer_km: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class MileageReading(SQLModel, table=True):
    __tablename__ = "mileage_reading"
    __table_args__ = (Index("ix_mileage_reading_vehicle_id_id", "vehicle_id", "id"),)

    id: str = Field(primary_key=True, max_length=40)
    vehicle_id: str = Field(sa_column=Column(String(40), ForeignKey("vehicle.id"), nullable=False))
    reading_km: int
    read_on: date
    correction: bool = False
    note: str | None = Field(default=None, max_length=500)
    source: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)


def normalize_plate(value: str) -> str:
    """Upper case, without spaces, dashes or dots: plates are stored and compared in this form,
    so `粤B 543-21` and `粤b54321` are one plate."""
    return "".join(c for c in value.upper() if not c.isspace() and c not in "-.·")


#: A licence plate: one line, at most 16 characters; stored upper-cased with single spaces.
Plate = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=LINE)]


class VehicleFields(RequestModel):
    plate: Plate | None = Field(default=None, description="Licence plate, e.g. 粤B12345.")
    make: Label | None = None
    model: Label | None = None
    model_year: StrictInt | None = Field(default=None, ge=1900, le=2200)
    purchase_date: PastDate | None = None

    @field_validator("plate")
    @classmethod
    def _normalize_plate(cls, value: str | None) -> str | None:
        return normalize_plate(value) if value is not None else None


class VehicleCreate(VehicleFields):
    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "vin": "1M8GDM9AXKP042788",
                    "plate": "粤B12345",
                    "make": "Volkswagen",
                    "model": "Tiguan L",
                    "model_year": 2024,
                    "purchase_date": "2024-05-18",
                    "odometer_km": 1200,
                }
            ]
        },
    )

    vin: str = Field(min_length=17, max_length=40, description="17 characters with a valid check digit.")
    odometer_km: StrictInt | None = Field(default=None, ge=0, le=MAX_KM, description="First reading.")

    @field_validator("vin")
    @classmethod
    def _valid_vin(cls, value: str) -> str:
        vin = normalize_vin(value)
        problem = vin_problem(vin)
        if problem:
            raise ValueError(problem)
        return vin


class VehicleUpdate(VehicleFields):
    """Plate, make, model, year, purchase date; the VIN and odometer change by their own rules."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"plate": "粤B67890"}]})  # type: ignore[assignment]


class VehiclePublic(SQLModel):
    id: str
    customer_id: str
    vin: str
    plate: str | None
    make: str | None
    model: str | None
    model_year: int | None
    purchase_date: date | None
    odometer_km: int | None
    created_at: datetime
    updated_at: datetime


class VehiclePage(SQLModel):
    items: list[VehiclePublic]
    next_cursor: str | None


class MileageCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reading_km": 15000, "read_on": "2026-11-20"}]},
    )

    reading_km: StrictInt = Field(ge=0, le=MAX_KM)
    read_on: PastDate | None = Field(default=None, description="Defaults to today (UTC); not after today.")
    correction: StrictBool = Field(
        default=False, description="Allows a reading below the previous one; needs a `note`."
    )
    note: Line | None = None

    @model_validator(mode="after")
    def _correction_has_note(self) -> Any:
        if self.correction and not self.note:
            raise ValueError("a correction needs a note saying why")
        return self


class MileagePublic(SQLModel):
    id: str
    vehicle_id: str
    reading_km: int
    read_on: date
    correction: bool
    note: str | None
    source: str
    created_at: datetime


class MileagePage(SQLModel):
    items: list[MileagePublic]
    next_cursor: str | None
