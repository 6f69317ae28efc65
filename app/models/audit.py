"""The append-only audit log: every write to a member, the rules, a store, a key or a user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_object", "object_type", "object_id", "id"),
        Index("ix_audit_event_at", "at"),
    )

    id: str = Field(primary_key=True, max_length=40)
    at: datetime = Field(sa_type=UTCDateTime)
    api_key_id: str | None = Field(default=None, max_length=40)
    user_id: str | None = Field(default=None, max_length=40)
    object_type: str = Field(max_length=32)
    object_id: str = Field(max_length=64)
    action: str = Field(max_length=16)
    changes: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))


class FieldChange(SQLModel):
    field: str
    old: Any = None
    new: Any = None


class AuditEventPublic(SQLModel):
    id: str
    at: datetime
    api_key_id: str | None = Field(description="The key that made the change (`cli` for the command line).")
    user_id: str | None = Field(description="The staff user the key acts for, if any.")
    object_type: str
    object_id: str
    action: str = Field(description="`create`, `update`, `delete`, `replace` or `revoke`.")
    changes: list[FieldChange] = Field(description="Each changed field, old → new; secrets never appear.")


class AuditPage(SQLModel):
    items: list[AuditEventPublic]
    next_cursor: str | None
