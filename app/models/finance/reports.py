"""Finance reports: profit and loss with points figures per period or group; the liability."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.models.types import Money, Rate


class GroupBy(StrEnum):
    day = "day"
    month = "month"
    tier = "tier"
    service_type = "service_type"
    store = "store"


class FinanceRow(SQLModel):
    key: str | None = Field(
        description="The day (YYYY-MM-DD, UTC), month (YYYY-MM), tier, service type or store; "
        "null for what has none (points not tied to a store or a purchase line)."
    )
    sales: Money = Field(description="Payable of the purchases posted.")
    refunds: Money = Field(description="Amounts refunded.")
    revenue: Money = Field(description="sales − refunds.")
    cost: Money = Field(description="Cost of the lines sold less the cost of the parts refunded.")
    list_profit: Money = Field(description="List profit of the lines sold (before rebates).")
    rebates: Money = Field(description="Tier rebates given.")
    accrued_liability: Money = Field(
        description="Points issued (earned + bonus − reversed) at the point value."
    )
    redemptions_paid: Money = Field(description="Points redeemed (net of reversals) at the point value.")
    settlements_paid: Money = Field(description="Points settled at the point value.")
    net_profit: Money = Field(description="revenue − cost − accrued_liability.")
    net_margin: Rate | None = Field(description="net_profit / revenue, 4 places; null without revenue.")
    points_earned: Money
    points_bonus: Money
    points_reversed: Money = Field(description="Points taken back by refunds.")
    points_redeemed: Money = Field(description="Points redeemed, net of redemption reversals.")
    points_settled: Money
    points_expired: Money = Field(description="Points expired, net of expiry given back by refunds.")
    points_adjusted: Money = Field(description="Net admin adjustments (signed).")
    liability_end: Money | None = Field(
        description="Liability (positive balances at the point value) at the end of the period; "
        "for tiers, of the members holding the tier then; null for stores and service types."
    )


class FinanceReport(SQLModel):
    start: date = Field(description="First day of the range (UTC).")
    end: date = Field(description="Last day of the range, included (UTC).")
    group_by: GroupBy
    point_value: Rate
    rows: list[FinanceRow]
    total: FinanceRow


class LiabilityHolder(SQLModel):
    customer_id: str
    name: str
    tier: str
    balance: Money
    value: Money


class LiabilityGroup(SQLModel):
    key: str = Field(description="The tier code, or the band (`<=0`, `0-1000`, …, `100000+`).")
    members: int
    points: Money = Field(description="Sum of the members' balances (negative ones included).")
    liability: Money = Field(description="Positive balances at the point value.")


class LiabilityReport(SQLModel):
    point_value: Rate
    members_with_points: int
    points: Money = Field(description="Sum of positive balances.")
    liability: Money
    top_holders: list[LiabilityHolder]
    by_tier: list[LiabilityGroup]
    by_band: list[LiabilityGroup]


BAND_EDGES = (Decimal(1000), Decimal(10000), Decimal(100000))
