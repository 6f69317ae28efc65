"""Posted purchases, their lines, and refunds against them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, StrictInt, field_validator, model_validator
from sqlalchemy import JSON, Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.domain.loyalty.points_settings import Phase
from app.models.base import Basis, Cents, UTCDateTime
from app.models.text import Code, ExternalId, Line, ResourceId, StoreId
from app.models.types import MarginIn, Money, MoneyIn, OccurredAt, Rate, RequestModel


class PurchaseRecord(SQLModel):
    """Every column of a posted purchase, as repositories hand it back."""

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    store_id: str = Field(max_length=64)
    external_id: str = Field(max_length=100)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)  # moves with each refund (incremental sync)
    phase: str = Field(max_length=16)
    x: Decimal = Field(sa_type=Basis)
    rebate_rate: Decimal = Field(sa_type=Basis)
    tier_before: str = Field(max_length=32)
    tier_after: str = Field(max_length=32)
    amount: Decimal = Field(sa_type=Cents)
    rebate: Decimal = Field(sa_type=Cents)
    payable: Decimal = Field(sa_type=Cents)
    profit_points: Decimal = Field(sa_type=Cents)
    consumption_points: Decimal = Field(sa_type=Cents)
    points: Decimal = Field(sa_type=Cents)
    balance_after: Decimal = Field(sa_type=Cents)
    lifetime_after: Decimal = Field(sa_type=Cents)
    refunded_amount: Decimal = Field(default=Decimal(0), sa_type=Cents)
    reversed_points: Decimal = Field(default=Decimal(0), sa_type=Cents)
    earn_entry_id: str = Field(max_length=40)
    # Paying with points (points.md): what was redeemed and its money value when posted.
    redeemed_points: Decimal = Field(default=Decimal(0), sa_type=Cents)
    redeemed_value: Decimal = Field(default=Decimal(0), sa_type=Cents)
    redeem_entry_id: str | None = Field(default=None, max_length=40)


class Purchase(PurchaseRecord, table=True):
    __tablename__ = "purchase"
    __table_args__ = (
        UniqueConstraint("store_id", "external_id"),
        Index("ix_purchase_customer_id_id", "customer_id", "id"),
        Index("ix_purchase_created_at", "created_at"),
        Index("ix_purchase_updated_at_id", "updated_at", "id"),
    )


class PurchaseLineRecord(SQLModel):
    """Every column of a purchase line, as repositories hand it back."""

    purchase_id: str = Field(sa_column=Column(String(40), ForeignKey("purchase.id"), primary_key=True))
    line_no: int = Field(primary_key=True)
    service_type: str = Field(max_length=32)
    description: str | None = Field(default=None, max_length=500)
    amount: Decimal = Field(sa_type=Cents)
    margin: Decimal = Field(sa_type=Basis)
    weight: Decimal = Field(sa_type=Basis)
    list_profit: Decimal = Field(sa_type=Cents)
    rebate: Decimal = Field(sa_type=Cents)
    paid: Decimal = Field(sa_type=Cents)
    profit_points: Decimal = Field(sa_type=Cents)
    consumption_points: Decimal = Field(sa_type=Cents)
    refunded_amount: Decimal = Field(default=Decimal(0), sa_type=Cents)
    reversed_profit_points: Decimal = Field(default=Decimal(0), sa_type=Cents)
    reversed_consumption_points: Decimal = Field(default=Decimal(0), sa_type=Cents)


class PurchaseLine(PurchaseLineRecord, table=True):
    __tablename__ = "purchase_line"


class RefundRecord(SQLModel):
    """Every column of a refund, as repositories hand it back."""

    id: str = Field(primary_key=True, max_length=40)
    purchase_id: str = Field(sa_column=Column(String(40), ForeignKey("purchase.id"), nullable=False))
    customer_id: str = Field(max_length=40)
    created_at: datetime = Field(sa_type=UTCDateTime)
    amount: Decimal = Field(sa_type=Cents)
    profit_points: Decimal = Field(sa_type=Cents)
    consumption_points: Decimal = Field(sa_type=Cents)
    points: Decimal = Field(sa_type=Cents)
    tier_before: str = Field(max_length=32)
    tier_after: str = Field(max_length=32)
    balance_after: Decimal = Field(sa_type=Cents)
    lifetime_after: Decimal = Field(sa_type=Cents)
    lines: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    # Points paid with on the purchase, given back by the refund that completed it.
    returned_points: Decimal = Field(default=Decimal(0), sa_type=Cents)


class Refund(RefundRecord, table=True):
    __tablename__ = "refund"
    __table_args__ = (
        Index("ix_refund_purchase_id", "purchase_id"),
        Index("ix_refund_created_at", "created_at"),
    )


class TransactionLineIn(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        # `margin` and `cost` exclude each other (a null counts as not given).
        json_schema_extra={
            "not": {
                "required": ["margin", "cost"],
                "properties": {
                    "margin": {"type": "string", "maxLength": 7},
                    "cost": {"type": "string", "maxLength": 13},
                },
            }
        },
    )

    service_type: Code
    description: Line | None = None
    amount: MoneyIn
    margin: MarginIn | None = Field(
        default=None,
        description="Profit margin in [-1, 1]. Give `margin` or `cost`, never both; "
        "with neither, the service type's average margin applies.",
    )
    cost: MoneyIn | None = Field(
        default=None,
        description="Cost of the line, at most twice the amount. Give `cost` or `margin`, never both.",
    )

    @field_validator("amount")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value

    @model_validator(mode="after")
    def _margin_or_cost(self) -> TransactionLineIn:
        if self.margin is not None and self.cost is not None:
            raise ValueError("give margin or cost, not both")
        if self.cost is not None and self.cost > 2 * self.amount:
            raise ValueError("cost implies a margin below -1")
        return self


class TransactionCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "customer_id": "cus_01JD0000000000000000000000",
                    "store_id": "dealer-01",
                    "external_id": "R-2026-000123",
                    "occurred_at": "2026-11-22T10:00:00+08:00",
                    "lines": [
                        {
                            "service_type": "maintenance",
                            "description": "10k km service",
                            "amount": "1000.00",
                            "margin": "0.35",
                        },
                        {"service_type": "parts", "amount": "2000.00"},
                    ],
                }
            ]
        },
    )

    customer_id: ResourceId
    store_id: StoreId
    external_id: ExternalId
    occurred_at: OccurredAt | None = Field(default=None, description="Defaults to the time of posting.")
    lines: list[TransactionLineIn] = Field(min_length=1, max_length=200)
    redeem_points: MoneyIn | None = Field(
        default=None,
        description="Points paid with, at the point value: at most the balance before the purchase "
        "and the payable; the response's `to_pay` is the money still due.",
    )

    @field_validator("redeem_points")
    @classmethod
    def _positive_points(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value <= 0:
            raise ValueError("must be greater than 0")
        return value


class RefundLinePublic(SQLModel):
    line_no: int
    amount: Money = Field(description="Money paid back for the line (a share of its `paid`).")
    profit_points: Money
    consumption_points: Money


class RefundPublic(SQLModel):
    id: str
    transaction_id: str
    customer_id: str
    created_at: datetime
    amount: Money = Field(description="Money paid back in total (paid amounts, after the rebate).")
    profit_points: Money
    consumption_points: Money
    points: Money = Field(description="Points reversed by this refund.")
    tier_before: str
    tier_after: str
    balance: Money = Field(description="The member's balance right after this refund (= `balance_after`).")
    lifetime_points: Money = Field(
        description="Lifetime points right after this refund (= `lifetime_after`)."
    )
    balance_after: Money
    lifetime_after: Money
    returned_points: Money = Field(
        default=Decimal(0), description="Points paid with on the purchase, given back by a completing refund."
    )
    lines: list[RefundLinePublic]


class RefundPage(SQLModel):
    items: list[RefundPublic]
    next_cursor: str | None


class TransactionLinePublic(SQLModel):
    line_no: int
    service_type: str
    description: str | None = None
    amount: Money
    margin: Rate
    weight: Rate
    list_profit: Money
    rebate: Money
    paid: Money
    profit_points: Money
    consumption_points: Money
    refunded_amount: Money = Decimal(0)


class CampaignExtraPublic(SQLModel):
    """What a running campaign adds to the purchase (its bonus is its own `bonus` ledger entry)."""

    campaign_id: str
    bonus_points: Money = Field(description="Zm' − Zm: the multiplier's extra points.")
    extra_rebate: Money = Field(description="Rebate given beyond the tier's (already in `rebate`).")


class QuotePublic(SQLModel):
    customer_id: str
    tier_before: str
    tier_after: str
    rebate_rate: Rate
    rebate: Money
    payable: Money
    profit_points: Money
    consumption_points: Money
    points: Money
    x: Rate
    balance: Money
    lifetime_points: Money
    redeemed_points: Money = Decimal(0)
    redeemed_value: Money = Field(default=Decimal(0), description="Money value of `redeemed_points`.")
    to_pay: Money = Field(description="Money still to pay: payable less the value of the points redeemed.")
    lines: list[TransactionLinePublic]
    campaign_bonus_points: Money = Field(
        default=Decimal(0), description="Bonus points of running campaigns, beside `points` (in `balance`)."
    )
    campaigns: list[CampaignExtraPublic] = Field(
        default_factory=list, description="Running campaigns that apply: multiplier bonus and extra rebate."
    )


class TransactionPublic(QuotePublic):
    """A posted purchase; `balance` and `lifetime_points` are the member's as posted, not now."""

    id: str
    store_id: str
    external_id: str
    phase: Phase
    occurred_at: datetime = Field(description="When the sale happened, in UTC.")
    created_at: datetime
    updated_at: datetime
    amount: Money
    balance_after: Money = Field(description="The member's balance right after this purchase was posted.")
    lifetime_after: Money = Field(
        description="The member's lifetime points right after this purchase was posted."
    )
    refunded_amount: Money = Field(description="Money paid back so far (paid amounts).")
    reversed_points: Money
    refunds: list[RefundPublic] = Field(description="Refunds so far, oldest first (also `GET …/refunds`).")


class TransactionPage(SQLModel):
    items: list[TransactionPublic]
    next_cursor: str | None


class RefundLineIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    line_no: StrictInt = Field(ge=1, le=200)
    amount: MoneyIn = Field(
        description="Money paid back for this line: at most what the customer paid for it (`paid`, "
        "after the rebate) less what was already refunded; not the list `amount`."
    )


class RefundCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"lines": [{"line_no": 1, "amount": "200.00"}]}, {}]},
    )

    lines: list[RefundLineIn] | None = Field(
        default=None, min_length=1, max_length=200, description="Omit to refund everything still unrefunded."
    )
