"""The sales-rep report: admin (all members) or a manager's key (its store's members)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import StoreAdmin, UoW
from app.api.v1.finance.query_types import FromDay, ToDay, parse_day
from app.errors import problems
from app.models.crm.users import SalesRepReport
from app.services.crm import rep_report as service

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("/sales-reps", response_model=SalesRepReport, responses=problems(401, 403, 422, 503))
async def get_sales_rep_report(principal: StoreAdmin, uow: UoW, start: FromDay, end: ToDay) -> SalesRepReport:
    """Per sales rep over [from, to]: members, purchases, spend, profit, activities, open tickets."""
    first, last = parse_day("from", start), parse_day("to", end)
    return await uow.read(lambda s: service.sales_rep_report(s, principal, first, last))
