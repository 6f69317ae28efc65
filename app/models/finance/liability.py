"""Running liability totals (striped), the alert state of the thresholds, and finance settings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import ConfigDict, StrictBool
from sqlmodel import Field, SQLModel

from app.domain.finance.liability import Band
from app.models.base import Cents, UTCDateTime
from app.models.types import Money, MoneyIn, Rate, RequestModel


class LiabilityStripe(SQLModel, table=True):
    """One of the counter rows; the liability is the sum over them. Rows appear on first use."""

    __tablename__ = "liability_stripe"

    stripe: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    positive_points: Decimal = Field(default=Decimal(0), sa_type=Cents)
    total_points: Decimal = Field(default=Decimal(0), sa_type=Cents)
    positive_members: int = 0


class LiabilityState(SQLModel, table=True):
    """The band last acted on (row id 1; absent means normal): moved only by a conditional write."""

    __tablename__ = "liability_state"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    state: str = Field(max_length=16)
    changed_at: datetime = Field(sa_type=UTCDateTime)


class FinanceSettingsRow(SQLModel, table=True):
    """The single row (id 1; absent means the defaults) of the settlement and alert options."""

    __tablename__ = "finance_settings"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    settle_min_balance: Decimal = Field(sa_type=Cents)
    tier_change_alerts: bool = False
    updated_at: datetime = Field(sa_type=UTCDateTime)


class FinanceSettingsIn(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"settle_min_balance": "1000.00", "tier_change_alerts": True}]},
    )

    settle_min_balance: MoneyIn = Field(
        description="Points: a forced settlement pays out only balances at or above this."
    )
    tier_change_alerts: StrictBool = Field(description="Raise a `tier.changed` alert when a member moves.")


class FinanceSettingsPublic(SQLModel):
    settle_min_balance: Money
    tier_change_alerts: bool
    updated_at: datetime | None


class LiabilityPublic(SQLModel):
    """The outstanding liability now: the sum of the stripes, no scan of members."""

    liability: Money = Field(description="Money: point value × the sum of positive balances.")
    positive_points: Money = Field(description="Sum of positive balances.")
    total_points: Money = Field(description="Sum of all balances (negative ones included).")
    members_with_balance: int
    point_value: Rate
    warning: Money
    critical: Money
    target: Money
    state: Band = Field(description="The band of the liability against the thresholds.")
