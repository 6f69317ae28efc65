"""Marketing settings (the analysis rules' thresholds, windows and shares) and the analysis state."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, StrictInt
from sqlmodel import Field, SQLModel

from app.domain.marketing.analysis import DEFAULTS
from app.models.base import Basis, Cents, UTCDateTime
from app.models.types import Money, Rate, RateIn, RequestModel


class MarketingSettingsRow(SQLModel, table=True):
    """The single row (id 1; absent means the defaults) of the analysis settings."""

    __tablename__ = "marketing_settings"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    formation_from_purchases: int
    stability_from_purchases: int
    decline_after_days: int
    value_share: Decimal = Field(sa_type=Basis)
    trend_window_days: int
    trend_change: Decimal = Field(sa_type=Basis)
    problem_window_days: int
    problem_refund_rate: Decimal = Field(sa_type=Basis)
    problem_open_complaints: int
    rfm_window_days: int
    updated_at: datetime = Field(sa_type=UTCDateTime)


class AnalysisState(SQLModel, table=True):
    """What the last bulk analysis found (row id 1): the cut that purchases and refunds grade
    value customers against between two runs."""

    __tablename__ = "analysis_state"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    value_cutoff: Decimal | None = Field(default=None, sa_type=Cents)
    active_members: int = 0
    analysed_at: datetime = Field(sa_type=UTCDateTime)


_EXAMPLE: dict[str, Any] = {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(DEFAULTS).items()}


class MarketingSettingsIn(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [_EXAMPLE]},
    )

    formation_from_purchases: StrictInt = Field(
        ge=1, le=1000, description="Purchases from which a member leaves exploration for formation."
    )
    stability_from_purchases: StrictInt = Field(
        ge=2, le=10000, description="Purchases from which a member is in stability (more than the above)."
    )
    decline_after_days: StrictInt = Field(
        ge=1, le=3650, description="Days without a purchase after which a member is in decline."
    )
    value_share: RateIn = Field(
        description="Share of the active members, by lifetime profit points, that are value customers."
    )
    trend_window_days: StrictInt = Field(
        ge=1, le=1825, description="Days of the last spend window, compared with the window before it."
    )
    trend_change: RateIn = Field(
        description="Relative change of spend past which a member is rising or falling."
    )
    problem_window_days: StrictInt = Field(
        ge=1, le=3650, description="Days over which the refund rate is taken."
    )
    problem_refund_rate: RateIn = Field(
        description="Refunded / paid above which a member is a problem customer."
    )
    problem_open_complaints: StrictInt = Field(
        ge=0, le=1000, description="Open complaint tickets above which a member is a problem customer."
    )
    rfm_window_days: StrictInt = Field(
        ge=1, le=3650, description="Days over which frequency and monetary are counted."
    )


class MarketingSettingsPublic(SQLModel):
    formation_from_purchases: int
    stability_from_purchases: int
    decline_after_days: int
    value_share: Rate
    trend_window_days: int
    trend_change: Rate
    problem_window_days: int
    problem_refund_rate: Rate
    problem_open_complaints: int
    rfm_window_days: int
    updated_at: datetime | None = Field(description="Null while the defaults are in force.")


class AnalysisRun(SQLModel):
    """What a bulk analysis did."""

    members: int = Field(description="Live members visited.")
    changed: int = Field(description="Members whose stage, segments or scores changed.")
    active_members: int
    value_cutoff: Money | None = Field(
        description="Lifetime profit points from which a member is a value customer."
    )
    at_risk_alerts: int = Field(description="`customer.at_risk` alerts raised by this run.")
    analysed_at: datetime
