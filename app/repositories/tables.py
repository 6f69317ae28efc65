"""Core table handles for statements on hot paths (no ORM identity-map overhead)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from app.models import (
    ApiKey,
    Customer,
    IdempotencyRecord,
    LedgerEntry,
    PointsSettingsChange,
    PointsSettingsRow,
    Purchase,
    PurchaseLine,
    Refund,
    ServiceType,
    Tier,
)

api_key = cast(Table, ApiKey.__table__)
customer = cast(Table, Customer.__table__)
idempotency_record = cast(Table, IdempotencyRecord.__table__)
ledger_entry = cast(Table, LedgerEntry.__table__)
points_settings = cast(Table, PointsSettingsRow.__table__)
points_settings_change = cast(Table, PointsSettingsChange.__table__)
purchase = cast(Table, Purchase.__table__)
purchase_line = cast(Table, PurchaseLine.__table__)
refund = cast(Table, Refund.__table__)
service_type = cast(Table, ServiceType.__table__)
tier = cast(Table, Tier.__table__)
