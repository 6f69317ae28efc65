"""SQLModel tables and their Create/Update/Public schemas; importing it registers every table."""

from app.models.base import metadata
from app.models.crm.contacts import Activity, Contact
from app.models.crm.maintenance import MaintenanceRecord
from app.models.crm.tickets import Ticket, TicketTask
from app.models.crm.vehicles import MileageReading, Vehicle
from app.models.integration.api_keys import ApiKey
from app.models.integration.idempotency import IdempotencyRecord
from app.models.loyalty.catalogue import PointsSettingsChange, PointsSettingsRow, ServiceType, Tier
from app.models.loyalty.customers import Customer
from app.models.loyalty.ledger import LedgerEntry
from app.models.loyalty.purchases import Purchase, PurchaseLine, Refund

__all__ = [
    "Activity",
    "ApiKey",
    "Contact",
    "Customer",
    "IdempotencyRecord",
    "LedgerEntry",
    "MaintenanceRecord",
    "MileageReading",
    "PointsSettingsChange",
    "PointsSettingsRow",
    "Purchase",
    "PurchaseLine",
    "Refund",
    "ServiceType",
    "Ticket",
    "TicketTask",
    "Tier",
    "Vehicle",
    "metadata",
]
