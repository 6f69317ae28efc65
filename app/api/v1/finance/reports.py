"""Finance reports: profit and loss with points figures (JSON or CSV), and the liability."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.api.deps import FinanceRead, UoW
from app.api.v1.finance.query_types import FromDay, ToDay, parse_day
from app.errors import problems
from app.models.finance.reports import FinanceReport, FinanceRow, GroupBy, LiabilityReport
from app.services.finance import reports as service

router = APIRouter(prefix="/reports", tags=["reports"])
CSV = "text/csv"

_finance_responses: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report as JSON, or as CSV (one row per period or group, then `total`) "
        "with `Accept: text/csv`.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/FinanceReport"}},
            CSV: {"schema": {"type": "string"}},
        },
    },
    **problems(401, 403, 503),
}


def _csv(report: FinanceReport) -> str:
    """UTF-8 CSV: a header row, decimal strings exactly as in the JSON, `total` last."""
    columns = list(FinanceRow.model_fields)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    rows = [r.model_dump(mode="json") for r in report.rows]
    for row in [*rows, {**report.total.model_dump(mode="json"), "key": "total"}]:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    return out.getvalue()


@router.get("/finance", response_model=FinanceReport, responses=_finance_responses)
async def get_finance_report(
    request: Request,
    _principal: FinanceRead,
    uow: UoW,
    start: FromDay,
    end: ToDay,
    group_by: GroupBy = GroupBy.day,
) -> Any:
    """Revenue, cost, rebates, points issued at the point value, redemptions, settlements, net
    margin, and points earned, reversed, redeemed, settled, expired, with the liability at the
    end of each period; per day, month, tier, service type or store."""
    first, last = parse_day("from", start), parse_day("to", end)
    report = await uow.read(lambda s: service.finance_report(s, first, last, group_by))
    if CSV in request.headers.get("accept", ""):
        return Response(_csv(report), media_type=f"{CSV}; charset=utf-8")
    return report


@router.get("/liability", response_model=LiabilityReport, responses=problems(401, 403, 503))
async def get_liability_report(
    _principal: FinanceRead,
    uow: UoW,
    top: Annotated[int, Query(ge=1, le=500, description="How many top holders (default 20).")] = 20,
) -> LiabilityReport:
    """Top holders, and the balances and liability per tier and per balance band."""
    return await uow.read(lambda s: service.liability_report(s, top))
