"""Who changed the tier table or a service type, when, from what to what."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime


class CatalogueSubject(StrEnum):
    tiers = "tiers"
    service_type = "service_type"


class CatalogueChange(SQLModel, table=True):
    """One change of the tier table (the whole table) or of one service type."""

    __tablename__ = "catalogue_change"
    __table_args__ = (Index("ix_catalogue_change_subject_id", "subject", "id"),)

    id: str = Field(primary_key=True, max_length=40)
    subject: str = Field(max_length=16)
    code: str | None = Field(default=None, max_length=64)  # the service type's code
    changed_at: datetime = Field(sa_type=UTCDateTime)
    api_key_id: str | None = Field(default=None, max_length=40)
    before: Any = Field(default=None, sa_column=Column(JSON))
    after: Any = Field(sa_column=Column(JSON, nullable=False))
    regraded: int = 0  # members whose tier the change moved (tier-table changes)


class CatalogueChangePublic(SQLModel):
    id: str
    changed_at: datetime
    api_key_id: str | None
    code: str | None = Field(description="The service type changed (null for the tier table).")
    before: Any = Field(description="The tier table or service type before (null when created).")
    after: Any
    regraded: int = Field(description="Members re-graded by a tier-table change.")


class CatalogueHistory(SQLModel):
    items: list[CatalogueChangePublic]
    next_cursor: str | None
