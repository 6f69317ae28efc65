"""SQLModel tables and their Create/Update/Public schemas; importing it registers every table."""

from app.models.audit import AuditEvent
from app.models.base import metadata
from app.models.crm.consents import ConsentEvent
from app.models.crm.contacts import Activity, Contact
from app.models.crm.maintenance import MaintenanceRecord
from app.models.crm.merges import MemberMerge, MemberMergeItem
from app.models.crm.tickets import Ticket, TicketTask
from app.models.crm.users import User
from app.models.crm.vehicles import MileageReading, Vehicle
from app.models.finance.alerts import Alert
from app.models.finance.liability import FinanceSettingsRow, LiabilityState, LiabilityStripe
from app.models.finance.lots import PointsLot
from app.models.finance.settlements import Settlement, SettlementEvent, SettlementItem
from app.models.finance.vouchers import Voucher
from app.models.integration.api_keys import ApiKey
from app.models.integration.idempotency import IdempotencyRecord
from app.models.integration.member_tokens import MemberToken
from app.models.integration.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookState
from app.models.jobs import Job
from app.models.loyalty.catalogue import PointsSettingsChange, PointsSettingsRow, ServiceType, Tier
from app.models.loyalty.catalogue_history import CatalogueChange
from app.models.loyalty.customers import Customer
from app.models.loyalty.ledger import LedgerEntry
from app.models.loyalty.purchases import Purchase, PurchaseLine, Refund
from app.models.loyalty.stores import Store
from app.models.marketing.campaigns import Campaign, CampaignMember, CampaignPurchase
from app.models.marketing.settings import AnalysisState, MarketingSettingsRow

__all__ = [
    "Activity",
    "Alert",
    "AnalysisState",
    "ApiKey",
    "AuditEvent",
    "Campaign",
    "CampaignMember",
    "CampaignPurchase",
    "CatalogueChange",
    "ConsentEvent",
    "Contact",
    "Customer",
    "FinanceSettingsRow",
    "IdempotencyRecord",
    "Job",
    "LedgerEntry",
    "LiabilityState",
    "LiabilityStripe",
    "MaintenanceRecord",
    "MarketingSettingsRow",
    "MemberMerge",
    "MemberMergeItem",
    "MemberToken",
    "MileageReading",
    "PointsLot",
    "PointsSettingsChange",
    "PointsSettingsRow",
    "Purchase",
    "PurchaseLine",
    "Refund",
    "ServiceType",
    "Settlement",
    "SettlementEvent",
    "SettlementItem",
    "Store",
    "Ticket",
    "TicketTask",
    "Tier",
    "User",
    "Vehicle",
    "Voucher",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookState",
    "metadata",
]
