"""Version 1 of the API: one router per resource."""

from fastapi import APIRouter

from app.api.v1 import api_keys, customers, points, settings, tiers, transactions

router = APIRouter(prefix="/v1")
for module in (customers, transactions, points, settings, tiers, api_keys):
    router.include_router(module.router)
