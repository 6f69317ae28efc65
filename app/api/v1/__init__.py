"""Version 1 of the API: one router per resource, all under /v1."""

from fastapi import APIRouter

from app.api.v1 import api_keys, customers, points, service_types, settings, tiers, transactions

ROUTERS: list[APIRouter] = [
    r.router for r in (customers, transactions, points, settings, tiers, service_types, api_keys)
]
