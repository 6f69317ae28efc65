"""Member tokens: short-lived bearer tokens a mobile app holds, bound to one member."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, StrictInt
from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime
from app.models.types import RequestModel

MAX_TOKEN_SECONDS = 86_400


class MemberToken(SQLModel, table=True):
    __tablename__ = "member_token"
    __table_args__ = (Index("ix_member_token_customer_id_id", "customer_id", "id"),)

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    api_key_id: str = Field(sa_column=Column(String(40), ForeignKey("api_key.id"), nullable=False))
    prefix: str = Field(max_length=20)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MemberTokenCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"expires_in": 3600}, {}]})

    expires_in: StrictInt = Field(
        default=3600,
        ge=60,
        le=MAX_TOKEN_SECONDS,
        description="Lifetime in seconds (default one hour, at most a day).",
    )


class MemberTokenPublic(SQLModel):
    id: str
    customer_id: str
    api_key_id: str = Field(description="The API key that issued the token; revoking it ends the token too.")
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class MemberTokenCreated(MemberTokenPublic):
    token: str = Field(description="The bearer token itself (`mt_…`); shown only in this response.")


class MemberTokenPage(SQLModel):
    items: list[MemberTokenPublic]
    next_cursor: str | None
