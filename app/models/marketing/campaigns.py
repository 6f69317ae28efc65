"""Campaigns: a target selection, an incentive, a budget, and who was targeted, held out and awarded."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, StrictBool, StrictInt
from sqlalchemy import JSON, Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.domain.crm.consents import ConsentChannel
from app.domain.loyalty.points_settings import Phase
from app.domain.marketing.campaign_rules import CampaignStatus
from app.domain.marketing.lifecycle import LifecycleStage
from app.models.base import Basis, Cents, UTCDateTime
from app.models.text import Code, Label, Name, StoreId, Text
from app.models.types import DateIn, Money, MoneyIn, Rate, RateIn, RequestModel, TimestampIn, not_null


class Segment(StrEnum):
    value = "value"
    rising = "rising"
    falling = "falling"
    problem = "problem"


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"
    __table_args__ = (Index("ix_campaign_status", "status"),)

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    channel: str | None = Field(default=None, max_length=16)
    store_id: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=16)
    target: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    bonus_points: Decimal | None = Field(default=None, sa_type=Cents)
    multiplier: Decimal | None = Field(default=None, sa_type=Basis)
    extra_rebate_rate: Decimal | None = Field(default=None, sa_type=Basis)
    service_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    bonus_counts_toward_tier: bool = False
    budget: Decimal | None = Field(default=None, sa_type=Cents)
    # Money the budget has paid so far: each bonus at the point value of its day.
    spent: Decimal = Field(default=Decimal(0), sa_type=Cents)
    holdout_share: Decimal | None = Field(default=None, sa_type=Basis)
    executed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    execution_done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    job_id: str | None = Field(default=None, max_length=40)
    created_by: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CampaignMember(SQLModel, table=True):
    """One member of a campaign's frozen selection; the key is the one-award-per-member rule."""

    __tablename__ = "campaign_member"
    __table_args__ = (Index("ix_campaign_member_customer_id", "customer_id"),)

    campaign_id: str = Field(
        sa_column=Column(String(40), ForeignKey("campaign.id"), primary_key=True, nullable=False)
    )
    customer_id: str = Field(
        sa_column=Column(String(40), ForeignKey("customer.id"), primary_key=True, nullable=False)
    )
    holdout: bool = False
    awarded_points: Decimal | None = Field(default=None, sa_type=Cents)
    entry_id: str | None = Field(default=None, max_length=40)
    awarded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    left_out: bool = False  # the budget ran out before this member's award


class CampaignPurchase(SQLModel, table=True):
    """What a campaign added to one purchase: its bonus entry and the extra rebate it gave."""

    __tablename__ = "campaign_purchase"

    campaign_id: str = Field(
        sa_column=Column(String(40), ForeignKey("campaign.id"), primary_key=True, nullable=False)
    )
    # No foreign key: the record is written with the bonus entry, before the purchase's row.
    purchase_id: str = Field(sa_column=Column(String(40), primary_key=True, nullable=False))
    customer_id: str = Field(max_length=40)
    bonus_points: Decimal = Field(sa_type=Cents)
    bonus_entry_id: str | None = Field(default=None, max_length=40)
    counts_toward_tier: bool = False
    extra_rebate: Decimal = Field(sa_type=Cents)
    reversed_bonus: Decimal = Field(default=Decimal(0), sa_type=Cents)
    created_at: datetime = Field(sa_type=UTCDateTime)


class CampaignTarget(RequestModel):
    """Who a campaign selects: every filter given must hold (lists: any of their values)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"stages": ["decline"], "segments": ["value"], "phases": ["maintenance"]}]
        },
    )

    tiers: list[Code] | None = Field(default=None, max_length=50, description="Any of these tiers.")
    phases: list[Phase] | None = Field(default=None, max_length=2)
    stages: list[LifecycleStage] | None = Field(
        default=None, max_length=4, description="Any of these lifecycle stages."
    )
    segments: list[Segment] | None = Field(
        default=None,
        max_length=4,
        description="Every one of these segments (value, rising, falling, problem).",
    )
    rfm_r_min: StrictInt | None = Field(default=None, ge=1, le=5)
    rfm_f_min: StrictInt | None = Field(default=None, ge=1, le=5)
    rfm_m_min: StrictInt | None = Field(default=None, ge=1, le=5)
    lifetime_points_min: MoneyIn | None = None
    lifetime_points_max: MoneyIn | None = None
    balance_min: MoneyIn | None = None
    balance_max: MoneyIn | None = None
    last_purchase_after: DateIn | None = Field(default=None, description="On or after this day (UTC).")
    last_purchase_before: DateIn | None = Field(default=None, description="Before this day (UTC).")
    spend_since: DateIn | None = Field(default=None, description="Spend window start (inclusive, UTC).")
    spend_until: DateIn | None = Field(default=None, description="Spend window end (inclusive, UTC).")
    spend_min: MoneyIn | None = Field(default=None, description="Spend (net of refunds) in the window.")
    spend_max: MoneyIn | None = None
    service_types: list[Code] | None = Field(
        default=None, max_length=50, description="Bought any of these service types (ever)."
    )
    birthday_month: StrictInt | None = Field(default=None, ge=1, le=12)
    store_id: StoreId | None = Field(default=None, description="The member's own store.")
    sales_rep: Label | None = None


class CampaignBase(SQLModel):
    name: str
    description: str | None = None
    channel: ConsentChannel | None = None
    store_id: str | None = None
    bonus_points: Money | None = None
    multiplier: Rate | None = None
    extra_rebate_rate: Rate | None = None
    service_types: list[str] = []
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    bonus_counts_toward_tier: bool = False
    budget: Money | None = None


class CampaignCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Win back value customers",
                    "target": {"stages": ["decline"], "segments": ["value"]},
                    "bonus_points": "500.00",
                    "multiplier": "2",
                    "service_types": ["maintenance"],
                    "starts_at": "2026-12-01T00:00:00+08:00",
                    "ends_at": "2026-12-31T23:59:59+08:00",
                    "budget": "2000.00",
                    "channel": "sms",
                }
            ]
        },
    )

    name: Name
    description: Text | None = None
    channel: ConsentChannel | None = Field(
        default=None, description="How members are told (stored; consent filtering comes later)."
    )
    store_id: StoreId | None = Field(
        default=None, description="The store running it (a store-bound key: its own store)."
    )
    target: CampaignTarget = Field(default_factory=CampaignTarget)
    bonus_points: MoneyIn | None = Field(default=None, description="Points awarded to each member.")
    multiplier: RateIn | None = Field(
        default=None, description="Points multiplier m > 1 on the chosen service types in the window."
    )
    extra_rebate_rate: RateIn | None = Field(
        default=None, description="Extra rebate rate e in (0, 1) in the window (never below cost)."
    )
    service_types: list[Code] = Field(
        default_factory=list, max_length=50, description="Where m and e apply; empty: every service type."
    )
    starts_at: TimestampIn | None = None
    ends_at: TimestampIn | None = None
    bonus_counts_toward_tier: StrictBool = False
    budget: MoneyIn | None = Field(default=None, description="Cap in money at the point value.")


class CampaignUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"budget": "3000.00"}]})

    name: Name | None = not_null()
    description: Text | None = None
    channel: ConsentChannel | None = None
    target: CampaignTarget | None = not_null()
    bonus_points: MoneyIn | None = None
    multiplier: RateIn | None = None
    extra_rebate_rate: RateIn | None = None
    service_types: list[Code] | None = Field(default=None, max_length=50)
    starts_at: TimestampIn | None = None
    ends_at: TimestampIn | None = None
    bonus_counts_toward_tier: StrictBool | None = not_null()
    budget: MoneyIn | None = None


class CampaignProgress(SQLModel):
    targeted: int = Field(description="Members in the frozen selection, holdout included.")
    holdout: int
    awarded: int
    left_out: int = Field(description="Members the budget could not cover.")
    pending: int = Field(description="Members still to be awarded (a background job is on it).")
    points_awarded: Money


class CampaignPublic(CampaignBase):
    id: str
    status: CampaignStatus
    target: dict[str, Any]
    spent: Money
    holdout_share: Rate | None
    executed_at: datetime | None
    execution_done_at: datetime | None
    job_id: str | None
    progress: CampaignProgress
    created_at: datetime
    updated_at: datetime


class CampaignPage(SQLModel):
    items: list[CampaignPublic]
    next_cursor: str | None


class CampaignStatusChange(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "scheduled"}]})

    status: CampaignStatus


class CampaignExecute(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"holdout_share": "0.1"}]})

    holdout_share: RateIn = Field(
        default=Decimal("0.1"),
        description="Share of the selection held out (0 to 0.5): never awarded, compared in the results.",
    )


class ExecutionPublic(SQLModel):
    campaign_id: str
    status: CampaignStatus
    holdout_share: Rate
    background: bool = Field(description="True when a background job awards the rest.")
    job_id: str | None
    progress: CampaignProgress
    spent: Money


class MixRow(SQLModel):
    key: str
    members: int = 0
    lines: int = 0
    amount: Money = Decimal(0)
    profit: Money = Decimal(0)


class PreviewPublic(SQLModel):
    members: int
    purchases: int
    spend: Money = Field(description="Paid, net of refunds, over the members' whole history.")
    profit: Money = Field(description="Realised profit (list profit less rebates), net of refunds.")
    average_spend: Money
    average_profit: Money
    lifetime_points: Money
    balance: Money
    service_mix: list[MixRow]
    tier_mix: list[MixRow]
    stage_mix: list[MixRow]
    estimated_bonus_cost: Money | None = Field(
        default=None, description="Bonus points × members at today's point value (capped by the budget)."
    )


class GroupResults(SQLModel):
    members: int
    buyers: int = Field(description="Members with a purchase in the window.")
    purchase_rate: Rate = Field(description="buyers / members, 4 places.")
    purchases: int
    spend: Money
    profit: Money
    points: Money = Field(description="Points earned by purchases in the window (bonus excluded).")
    spend_per_member: Money
    profit_per_member: Money
    points_per_member: Money


class CampaignCost(SQLModel):
    bonus_points: Money
    bonus_value: Money = Field(description="Bonus points (awards and multiplier) at the point value.")
    extra_rebate: Money
    total: Money


class ResultsPublic(SQLModel):
    campaign_id: str
    status: CampaignStatus
    window_start: datetime
    window_end: datetime
    point_value: Rate
    awarded: int
    uptake: Rate = Field(description="Share of the targeted members who bought in the window.")
    targeted: GroupResults
    holdout: GroupResults
    cost: CampaignCost
    incremental_profit: Money | None = Field(
        description="(targeted − holdout profit per member) × targeted members; null without a holdout."
    )
    net_gain: Money | None = Field(description="incremental_profit − cost.total")
    paid_for_itself: bool | None
