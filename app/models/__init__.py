"""SQLModel tables and their Create/Update/Public schemas; importing it registers every table."""

from app.models.base import metadata
from app.models.integration.api_keys import ApiKey
from app.models.integration.idempotency import IdempotencyRecord
from app.models.loyalty.catalogue import PointsSettingsChange, PointsSettingsRow, ServiceType, Tier
from app.models.loyalty.catalogue_history import CatalogueChange
from app.models.loyalty.customers import Customer
from app.models.loyalty.ledger import LedgerEntry
from app.models.loyalty.purchases import Purchase, PurchaseLine, Refund

__all__ = [
    "ApiKey",
    "CatalogueChange",
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
