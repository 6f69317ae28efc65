"""Stores (dealers, branches): every `store_id` in a request names one of these."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, StrictBool, StringConstraints
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime
from app.models.text import Label, Name
from app.models.types import RequestModel, not_null

STORE_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
#: A store code as requests name it: letters, digits, `_`, `.`, `-`; 1–64 characters.
StoreCode = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=STORE_CODE)]


class Store(SQLModel, table=True):
    __tablename__ = "store"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    region: str | None = Field(default=None, max_length=100)
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class StoreCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"code": "dealer-01", "name": "Shenzhen Futian", "region": "south"}]},
    )

    code: StoreCode
    name: Name
    region: Label | None = None
    active: StrictBool = True


class StoreUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"active": False}]})

    name: Name = not_null()
    region: Label | None = None
    active: StrictBool = Field(
        default=None, description="An inactive store takes no new purchases, members or keys."
    )


class StorePublic(SQLModel):
    code: str
    name: str
    region: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class StorePage(SQLModel):
    items: list[StorePublic]
    next_cursor: str | None
