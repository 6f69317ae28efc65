"""Merges of duplicate members: what moved where, so an admin can move it back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import JSON, Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.models.base import Cents, UTCDateTime
from app.models.text import ResourceId
from app.models.types import Money, RequestModel


class MemberMerge(SQLModel, table=True):
    __tablename__ = "member_merge"
    __table_args__ = (
        Index("ix_member_merge_survivor_id", "survivor_id"),
        Index("ix_member_merge_duplicate_id", "duplicate_id"),
    )

    id: str = Field(primary_key=True, max_length=40)
    survivor_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    duplicate_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    # The survivor's ledger_seq before the merge: the duplicate's entry n became entry S + n.
    survivor_seq: int
    # The duplicate's running figures before the merge, restored (from its ledger) on undo.
    duplicate_before: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    netted_points: Decimal = Field(sa_type=Cents)
    created_at: datetime = Field(sa_type=UTCDateTime)
    api_key_id: str | None = Field(default=None, max_length=40)
    user_id: str | None = Field(default=None, max_length=40)
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    undone_by: str | None = Field(default=None, max_length=40)


class MemberMergeItem(SQLModel, table=True):
    """One row a merge moved (or a points lot it netted), and what undo needs to know of it."""

    __tablename__ = "member_merge_item"

    merge_id: str = Field(
        sa_column=Column(String(40), ForeignKey("member_merge.id"), primary_key=True, nullable=False)
    )
    object_type: str = Field(primary_key=True, max_length=32)
    object_id: str = Field(primary_key=True, max_length=64)
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class MergeCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"duplicate_id": "cus_01JDUPL1CATE000000000000"}]}
    )

    duplicate_id: ResourceId = Field(description="The member merged into the one in the path, then deleted.")


class MergePublic(SQLModel):
    id: str
    survivor_id: str
    duplicate_id: str
    moved: dict[str, int] = Field(description="How many rows of each kind moved to the survivor.")
    netted_points: Money = Field(
        description="Points a negative balance netted against the other member's positive one."
    )
    created_at: datetime
    undo_until: datetime = Field(description="An admin may undo the merge until then.")
    undone_at: datetime | None
