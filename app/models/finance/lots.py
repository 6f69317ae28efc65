"""Points lots: each positive movement of a balance is a lot, consumed oldest first.

The sum of the lots' `remaining` always equals the member's balance when it is positive
(zero otherwise), so expiry can take exactly what is left of a lot on its date.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.models.base import Cents, UTCDateTime


class PointsLot(SQLModel, table=True):
    __tablename__ = "points_lot"
    __table_args__ = (
        Index("ix_points_lot_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_points_lot_expires_at", "expires_at"),
    )

    id: str = Field(primary_key=True, max_length=40, description="The ledger entry that created the lot.")
    customer_id: str = Field(sa_column=Column(String(40), ForeignKey("customer.id"), nullable=False))
    kind: str = Field(max_length=16)
    purchase_id: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    points: Decimal = Field(sa_type=Cents)
    remaining: Decimal = Field(sa_type=Cents)
    expired: Decimal = Field(default=Decimal(0), sa_type=Cents)
    # Expired points already set against refunds of the lot's purchase (never taken twice).
    expiry_absorbed: Decimal = Field(default=Decimal(0), sa_type=Cents)
