"""Members (persons or companies) with their running points totals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import JSON, Column, Index, SmallInteger, String, Text, false
from sqlmodel import Field, SQLModel

from app.domain.loyalty.points_settings import Phase
from app.domain.marketing.analysis import Segment
from app.domain.marketing.lifecycle import LifecycleStage
from app.models.base import Cents, UTCDateTime
from app.models.text import Address, Email, ExternalId, Label, Name, Notes, Phone, StoreId, Tags
from app.models.types import Birthday, Money, RequestModel, not_null


class Kind(StrEnum):
    person = "person"
    company = "company"


class Status(StrEnum):
    active = "active"
    dormant = "dormant"
    lost = "lost"


class Relationship(StrEnum):
    customer = "customer"
    prospect = "prospect"
    partner = "partner"
    competitor = "competitor"
    blacklist = "blacklist"


class Gender(StrEnum):
    male = "male"
    female = "female"
    other = "other"


class CustomerBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Kind = Field(default=Kind.person, sa_type=String(16))
    phase: Phase = Field(default=Phase.development, sa_type=String(16))
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    external_ref: str | None = Field(default=None, min_length=1, max_length=100)
    birthday: date | None = None
    gender: Gender | None = Field(default=None, sa_type=String(16))
    address: str | None = Field(default=None, max_length=500)
    province: str | None = Field(default=None, max_length=100)
    city: str | None = Field(default=None, max_length=100)
    industry: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=100)
    status: Status = Field(default=Status.active, sa_type=String(16))
    relationship: Relationship = Field(default=Relationship.customer, sa_type=String(16))
    sales_rep: str | None = Field(default=None, max_length=100)
    store_id: str | None = Field(default=None, max_length=64)
    notes: str | None = Field(default=None, max_length=5000)


class CustomerRecord(CustomerBase):
    """Every column of a member: what repositories hand back (validating it costs a tenth of
    instantiating the table model, which SQLAlchemy instruments)."""

    id: str = Field(primary_key=True, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    notes: str | None = Field(default=None, sa_type=Text)
    tier: str = Field(max_length=32)
    balance: Decimal = Field(default=Decimal(0), sa_type=Cents)
    lifetime_points: Decimal = Field(default=Decimal(0), sa_type=Cents)
    lifetime_profit_points: Decimal = Field(default=Decimal(0), sa_type=Cents)
    lifetime_consumption_points: Decimal = Field(default=Decimal(0), sa_type=Cents)
    purchase_count: int = 0
    last_purchase_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ledger_seq: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Analysis (app/domain/marketing): stored so searches and campaign selections can filter.
    lifecycle_stage: LifecycleStage = Field(
        default=LifecycleStage.exploration,
        sa_type=String(16),
        sa_column_kwargs={"server_default": "exploration"},
    )
    segment_value: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    segment_trend: str | None = Field(default=None, max_length=8)
    segment_problem: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    rfm_r: int | None = Field(default=None, sa_type=SmallInteger)
    rfm_f: int | None = Field(default=None, sa_type=SmallInteger)
    rfm_m: int | None = Field(default=None, sa_type=SmallInteger)
    analysed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set on a duplicate merged into another member (and cleared when the merge is undone).
    merged_into: str | None = Field(default=None, max_length=40)
    # Set when the member's personal data was erased on request: never restored or merged.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Customer(CustomerRecord, table=True):
    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_phone", "phone"),
        Index("ix_customer_email", "email"),
        Index("ix_customer_external_ref", "external_ref"),
        Index("ix_customer_tier", "tier"),
        Index("ix_customer_updated_at_id", "updated_at", "id"),
        Index("ix_customer_lifecycle_stage", "lifecycle_stage"),
    )


class CustomerCreate(RequestModel):
    """A new member. Phone and email are stored normalised (E.164; trimmed, lower-case) and are
    what the duplicate check compares."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "张三",
                    "phone": "+86 138 0013 8000",
                    "email": "zhang.san@example.com",
                    "external_ref": "DMS-100234",
                    "birthday": "1985-04-12",
                    "gender": "male",
                    "province": "广东",
                    "city": "深圳",
                    "source": "walk-in",
                    "store_id": "dealer-01",
                    "sales_rep": "li.wei",
                    "tags": ["suv-interest"],
                }
            ]
        },
    )

    name: Name
    kind: Kind = Kind.person
    phase: Phase = Phase.development
    phone: Phone | None = None
    email: Email | None = None
    external_ref: ExternalId | None = None
    birthday: Birthday | None = None
    gender: Gender | None = None
    address: Address | None = None
    province: Label | None = None
    city: Label | None = None
    industry: Label | None = None
    source: Label | None = None
    status: Status = Status.active
    relationship: Relationship = Relationship.customer
    sales_rep: Label | None = None
    store_id: StoreId | None = None
    tags: Tags = Field(default_factory=list)
    notes: Notes | None = None


class CustomerUpdate(RequestModel):
    """Only the fields sent change. `null` clears an optional field (phone, email, external_ref,
    birthday, gender, address, province, city, industry, source, sales_rep, store_id, notes);
    name, kind, phase, status, relationship and tags may be changed but never be null."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"phone": "+86 139 0000 1111", "phase": "maintenance", "tags": ["vip"]}]
        },
    )

    name: Name = not_null()
    kind: Kind = not_null()
    phase: Phase = not_null()
    phone: Phone | None = None
    email: Email | None = None
    external_ref: ExternalId | None = None
    birthday: Birthday | None = None
    gender: Gender | None = None
    address: Address | None = None
    province: Label | None = None
    city: Label | None = None
    industry: Label | None = None
    source: Label | None = None
    status: Status = not_null()
    relationship: Relationship = not_null()
    sales_rep: Label | None = None
    store_id: StoreId | None = None
    tags: Tags = not_null()
    notes: Notes | None = None


class Rfm(SQLModel):
    """Recency, frequency and monetary scores, 1 (lowest fifth) to 5 (highest fifth)."""

    r: int = Field(ge=1, le=5)
    f: int = Field(ge=1, le=5)
    m: int = Field(ge=1, le=5)


class CustomerPublic(CustomerBase):
    id: str
    email: str | None = None
    tags: list[str]
    tier: str
    lifecycle_stage: LifecycleStage = Field(description="The stored stage (docs/analysis.md).")
    segments: list[Segment] = Field(
        default_factory=list, description="value, rising or falling, problem (docs/analysis.md)."
    )
    rfm: Rfm | None = Field(
        default=None, description="RFM quintile scores among active members; null when not scored."
    )
    balance: Money
    lifetime_points: Money
    purchase_count: int
    last_purchase_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = Field(
        default=None, description="Set on members deleted since `updated_since` (sync lists only)."
    )
    merged_into: str | None = Field(
        default=None, description="A deleted duplicate: the member it was merged into (sync lists only)."
    )
    erased_at: datetime | None = Field(
        default=None, description="When its personal data was erased on request (sync lists only)."
    )


class CustomerPage(SQLModel):
    items: list[CustomerPublic]
    next_cursor: str | None
