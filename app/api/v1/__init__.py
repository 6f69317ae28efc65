"""Version 1 of the API: one router per resource, grouped by area, all under /v1."""

from fastapi import APIRouter

from app.api.v1.crm import (
    audit,
    contacts,
    maintenance,
    merges,
    privacy,
    reminders,
    rep_reports,
    tickets,
    users,
    vehicles,
)
from app.api.v1.finance import alerts, liability, redemptions, reports, settlements, vouchers
from app.api.v1.integration import api_keys, member_tokens, statements, webhooks
from app.api.v1.loyalty import customers, points, service_types, settings, stores, tiers, transactions
from app.api.v1.marketing import campaigns
from app.api.v1.marketing import settings as marketing_settings

ROUTERS: list[APIRouter] = [
    r.router
    for r in (
        customers,
        merges,
        privacy,
        transactions,
        points,
        redemptions,
        settings,
        tiers,
        service_types,
        stores,
        api_keys,
        member_tokens,
        webhooks,
        statements,
        liability,
        alerts,
        settlements,
        vouchers,
        reports,
        vehicles,
        maintenance,
        contacts,
        tickets,
        reminders,
        users,
        audit,
        rep_reports,
        marketing_settings,
        campaigns,
    )
]
