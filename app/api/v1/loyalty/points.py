"""A member's points: balance, tier status, ledger, redemptions and admin adjustments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from app.api.conditional import NOT_MODIFIED, IfNoneMatch, respond, tagged
from app.api.deps import Admin, Cursor, IdempotencyKey, Limit, MemberReader, PointsWrite, UoW, create_once
from app.api.sync import UpdatedSince
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.ledger import (
    AdjustmentCreate,
    LedgerPage,
    PointsMovement,
    PointsPublic,
    RedemptionCreate,
    TierStatus,
)
from app.services.loyalty import points as service

router = APIRouter(prefix="/customers/{customer_id}", tags=["points"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get(
    "/tier",
    response_model=TierStatus,
    responses={**tagged(), **NOT_MODIFIED, **problems(401, 403, 404, 422, 503)},
)
async def get_customer_tier(
    customer_id: CustomerId,
    principal: MemberReader,
    uow: UoW,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> Any:
    """The mobile app's call: tier, rebate, balance, points to the next tier, allowed services.

    Poll it with `If-None-Match`: 304 and no body while nothing changed.
    """
    status = await uow.read(lambda s: service.get_tier_status(s, principal, customer_id))
    return respond(response, status, if_none_match)


@router.get("/points", response_model=PointsPublic, responses=problems(401, 403, 404, 422, 503))
async def get_customer_points(customer_id: CustomerId, principal: MemberReader, uow: UoW) -> PointsPublic:
    """Balance and lifetime blended, profit and consumption points (running totals, no scan)."""
    return await uow.read(lambda s: service.get_points(s, principal, customer_id))


@router.get("/points/ledger", response_model=LedgerPage, responses=problems(401, 403, 404, 422, 503))
async def list_customer_ledger(
    customer_id: CustomerId,
    principal: MemberReader,
    uow: UoW,
    limit: Limit = 50,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> LedgerPage:
    """Every entry with its components (Zt, Zu, X, rebate, tiers), newest first.

    With `updated_since`: entries written since then, in the order written (oldest first).
    """
    return await uow.read(
        lambda s: service.get_ledger(s, principal, customer_id, limit, cursor, updated_since)
    )


@router.post(
    "/points/redemptions",
    status_code=201,
    response_model=PointsMovement,
    responses=problems(401, 403, 404, 409, 413, 415, 422, 503),
)
async def create_redemption(
    request: Request,
    customer_id: CustomerId,
    body: RedemptionCreate,
    principal: PointsWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Redeem points for money at the point value; 409 when the balance is short."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.redeem_points(s, principal, customer_id, body, utcnow()),
    )


@router.post(
    "/points/adjustments",
    status_code=201,
    response_model=PointsMovement,
    responses=problems(401, 403, 404, 413, 415, 422, 503),
)
async def create_adjustment(
    request: Request,
    customer_id: CustomerId,
    body: AdjustmentCreate,
    principal: Admin,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Admin correction with a reason; `counts_toward_tier` for opening balances from a legacy system."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.adjust_points(s, principal, customer_id, body, utcnow()),
    )
