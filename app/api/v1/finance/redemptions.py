"""Redemptions for a POS: list them to reconcile, reverse one it voided (once, never twice)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from app.api.deps import Cursor, IdempotencyKey, Limit, MembersRead, PointsWrite, UoW, create_once
from app.api.v1.finance.query_types import Since, Until, parse_instant
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.ledger import PointsMovement, RedemptionPage, RedemptionReversalCreate
from app.models.text import STORE_ID
from app.repositories.finance.redemptions import RedemptionFilters
from app.services.finance import redemptions as service

router = APIRouter(tags=["points"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]
EntryId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/customers/{customer_id}/points/redemptions/{entry_id}/reversal",
    status_code=201,
    response_model=PointsMovement,
    responses=problems(401, 403, 404, 409, 413, 415, 422, 503),
)
async def create_redemption_reversal(
    request: Request,
    customer_id: CustomerId,
    entry_id: EntryId,
    body: RedemptionReversalCreate,
    principal: PointsWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Give back the points of redemption `entry_id` (its ledger entry); 409 when already reversed."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.reverse_redemption(s, principal, customer_id, entry_id, body, utcnow()),
    )


@router.get("/points/redemptions", response_model=RedemptionPage, responses=problems(401, 403, 503))
async def list_redemptions(
    principal: MembersRead,
    uow: UoW,
    store_id: Annotated[str | None, Query(max_length=64, pattern=STORE_ID)] = None,
    receipt_ref: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    customer_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RedemptionPage:
    """Redemptions newest first, by store, receipt, member and time, with their reversal if any."""
    instants = parse_instant("since", since), parse_instant("until", until)
    filters = RedemptionFilters(store_id, receipt_ref, customer_id, *instants)
    return await uow.read(lambda s: service.list_redemptions(s, principal, filters, limit, cursor))
