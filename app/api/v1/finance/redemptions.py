"""Reversing a redemption a POS voided: one reversing entry, never two."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import IdempotencyKey, PointsWrite, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.ledger import PointsMovement, RedemptionReversalCreate
from app.services.finance import redemptions as service

router = APIRouter(prefix="/customers/{customer_id}/points/redemptions", tags=["points"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]
EntryId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/{entry_id}/reversal",
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
