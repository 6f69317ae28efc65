"""SQLModel tables and their Create/Update/Public schemas; importing it registers every table."""

from app.models.api_keys import ApiKey
from app.models.base import metadata
from app.models.catalogue import PointsSettingsChange, PointsSettingsRow, ServiceType, Tier
from app.models.customers import Customer
from app.models.idempotency import IdempotencyRecord
from app.models.ledger import LedgerEntry
from app.models.purchases import Purchase, PurchaseLine, Refund

__all__ = [
    "ApiKey",
    "Customer",
    "IdempotencyRecord",
    "LedgerEntry",
    "PointsSettingsChange",
    "PointsSettingsRow",
    "Purchase",
    "PurchaseLine",
    "Refund",
    "ServiceType",
    "Tier",
    "metadata",
]
