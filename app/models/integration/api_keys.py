"""API keys: only an HMAC of the key is stored; the key itself is shown once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime
from app.models.text import Name, ResourceId, StoreId
from app.models.types import RequestModel


class Scope(StrEnum):
    members_read = "members:read"
    members_write = "members:write"
    transactions_write = "transactions:write"
    points_write = "points:write"
    campaigns_write = "campaigns:write"
    finance_read = "finance:read"
    admin = "admin"


class ApiKeyRecord(SQLModel):
    """Every column of a key, as repositories hand it back."""

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=20)
    key_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    scopes: list[str] = Field(sa_column=Column(JSON, nullable=False))
    store_id: str | None = Field(default=None, max_length=64)
    user_id: str | None = Field(default=None, max_length=40, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiKey(ApiKeyRecord, table=True):
    __tablename__ = "api_key"


class ApiKeyCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "dealer-01 POS", "scopes": ["transactions:write"], "store_id": "dealer-01"}]
        },
    )

    name: Name
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope))
    store_id: StoreId | None = Field(
        default=None,
        description="Restrict the key to one store. A store-bound creator's keys always get its store.",
    )
    user_id: ResourceId | None = Field(
        default=None,
        description="Bind the key to a staff user: it then acts with the user's role and store "
        "(scopes within the role's; `admin` means all of them), and stops while the user is inactive.",
    )


class ApiKeyPublic(SQLModel):
    id: str
    name: str
    prefix: str
    scopes: list[Scope]
    store_id: str | None
    user_id: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The API key itself; shown only in this response.")


class ApiKeyPage(SQLModel):
    items: list[ApiKeyPublic]
    next_cursor: str | None
