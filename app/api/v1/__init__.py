"""Version 1 of the API: one router per resource."""

from fastapi import APIRouter, Depends

from app.api.deps import check_query
from app.api.v1 import api_keys, customers, points, service_types, settings, tiers, transactions

router = APIRouter(prefix="/v1", dependencies=[Depends(check_query)])
for module in (customers, transactions, points, settings, tiers, service_types, api_keys):
    router.include_router(module.router)
