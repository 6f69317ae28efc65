"""Version 1 of the API: one router per resource, grouped by area, all under /v1."""

from fastapi import APIRouter

from app.api.v1.crm import contacts, maintenance, reminders, tickets, vehicles
from app.api.v1.integration import api_keys
from app.api.v1.loyalty import customers, points, service_types, settings, tiers, transactions

ROUTERS: list[APIRouter] = [
    r.router for r in (customers, transactions, points, settings, tiers, service_types, api_keys)
] + [r.router for r in (vehicles, maintenance, contacts, tickets, reminders)]
