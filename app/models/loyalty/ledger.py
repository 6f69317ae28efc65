"""The append-only points ledger: every change of a balance is one entry that explains it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import ConfigDict, StrictBool, field_validator
from sqlalchemy import Column, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import Basis, Cents, UTCDateTime
from app.models.text import ExternalId, Line, StoreId
from app.models.types import Money, MoneyIn, Rate, RequestModel, SignedPointsIn


class EntryKind(StrEnum):
    earn = "earn"
    bonus = "bonus"
    redeem = "redeem"
    reverse = "reverse"
    expire = "expire"
    settle = "settle"
    adjust = "adjust"
    regrade = "regrade"  # zero points: the tier table changed and so did the member's tier
    merge = "merge"  # zero points: a duplicate's entries joined the ledger just before; totals re-added
    unmerge = "unmerge"  # zero points: a merge was undone and its entries went back; totals re-added


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entry"
    __table_args__ = (UniqueConstraint("customer_id", "entry_no"),)

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    # Per-member sequence: orders the ledger and, being unique, refuses any lost update.
    entry_no: int
    kind: str = Field(max_length=16)
    points: Decimal = Field(sa_type=Cents)
    balance_after: Decimal = Field(sa_type=Cents)
    lifetime_after: Decimal = Field(sa_type=Cents)
    counts_toward_tier: bool = False
    profit_points: Decimal = Field(default=Decimal(0), sa_type=Cents)
    consumption_points: Decimal = Field(default=Decimal(0), sa_type=Cents)
    x: Decimal | None = Field(default=None, sa_type=Basis)
    rebate: Decimal | None = Field(default=None, sa_type=Cents)
    tier_before: str = Field(max_length=32)
    tier_after: str = Field(max_length=32)
    transaction_id: str | None = Field(default=None, max_length=40)
    refund_id: str | None = Field(default=None, max_length=40)
    reverses_id: str | None = Field(default=None, max_length=40)
    reason: str | None = Field(default=None, max_length=500)
    api_key_id: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # Where a redemption (or purchase) happened and its receipt: what a POS reconciles by.
    store_id: str | None = Field(default=None, max_length=64)
    receipt_ref: str | None = Field(default=None, max_length=100)
    # The points lot an `expire` entry takes what is left of (finance expiry).
    lot_id: str | None = Field(default=None, max_length=40)
    # The campaign a `bonus` entry (or the reversal of one) belongs to.
    campaign_id: str | None = Field(default=None, max_length=40)


class LedgerEntryPublic(SQLModel):
    id: str
    entry_no: int
    kind: EntryKind
    points: Money
    balance_after: Money
    lifetime_after: Money
    counts_toward_tier: bool
    profit_points: Money
    consumption_points: Money
    x: Rate | None
    rebate: Money | None
    tier_before: str
    tier_after: str
    transaction_id: str | None
    refund_id: str | None
    reverses_id: str | None
    reason: str | None
    store_id: str | None = None
    receipt_ref: str | None = None
    lot_id: str | None = None
    campaign_id: str | None = Field(
        default=None, description="The campaign of a `bonus` entry or its reversal."
    )
    created_at: datetime


class LedgerPage(SQLModel):
    items: list[LedgerEntryPublic]
    next_cursor: str | None


class PointsPublic(SQLModel):
    customer_id: str
    balance: Money
    balance_value: Money = Field(description="What the balance is worth in money at the point value.")
    lifetime_points: Money
    lifetime_profit_points: Money
    lifetime_consumption_points: Money
    tier: str
    next_tier: str | None
    points_to_next_tier: Money | None
    next_expiry_at: datetime | None = Field(
        default=None, description="When the oldest points with an expiry date expire (null: none)."
    )
    next_expiry_points: Money | None = Field(default=None, description="How many points expire then.")


class TierStatus(SQLModel):
    customer_id: str
    tier: str
    tier_name: str
    rebate_rate: Rate
    lifetime_points: Money
    balance: Money
    next_tier: str | None
    points_to_next_tier: Money | None
    allowed_services: list[str]


class RedemptionCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "points": "500.00",
                    "store_id": "dealer-01",
                    "receipt_ref": "R-2026-000124",
                    "reason": "oil change voucher",
                }
            ]
        },
    )

    points: MoneyIn
    store_id: StoreId | None = Field(default=None, description="The store where the points were used.")
    receipt_ref: ExternalId | None = Field(default=None, description="The POS receipt the redemption paid.")
    reason: Line | None = None

    @field_validator("points")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value


class RedemptionReversalCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "receipt voided"}]})

    reason: str | None = Field(default=None, max_length=500)


class AdjustmentCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "points": "12000.00",
                    "reason": "opening balance from legacy DMS",
                    "counts_toward_tier": True,
                }
            ]
        },
    )

    points: SignedPointsIn
    reason: Line
    counts_toward_tier: StrictBool = False

    @field_validator("points")
    @classmethod
    def _nonzero(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise ValueError("must not be 0")
        return value


class PointsMovement(SQLModel):
    """The outcome of a redemption or adjustment: the entry written and the new figures."""

    entry: LedgerEntryPublic
    value: Money = Field(
        description="Money value of the points at the point value: what a redemption pays out; "
        "for an adjustment, signed like its points."
    )
    balance: Money
    lifetime_points: Money
    tier: str


class RedemptionPublic(SQLModel):
    """A redemption as a POS reconciles it: where, against which receipt, and if reversed."""

    id: str = Field(description="The `redeem` ledger entry.")
    customer_id: str
    points: Money
    value: Money = Field(description="The points at the point value in force now.")
    store_id: str | None
    receipt_ref: str | None
    transaction_id: str | None = Field(description="The purchase paid with the points, if any.")
    reason: str | None
    created_at: datetime
    reversed_by: str | None = Field(description="The reversing entry, if reversed.")


class RedemptionPage(SQLModel):
    items: list[RedemptionPublic]
    next_cursor: str | None
