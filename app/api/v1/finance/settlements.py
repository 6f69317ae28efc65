"""Settlement runs: list, read with items and audit, preview, and start one by hand (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import Admin, Cursor, FinanceRead, IdempotencyKey, Limit, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.finance.settlements import (
    SettlementCreate,
    SettlementDetail,
    SettlementPage,
    SettlementPreview,
    SettlementStatus,
)
from app.services.finance import settlements as service

router = APIRouter(prefix="/settlements", tags=["settlements"])
SettlementId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", response_model=SettlementPage, responses=problems(401, 403, 422, 503))
async def list_settlements(
    _principal: FinanceRead,
    uow: UoW,
    status: SettlementStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> SettlementPage:
    """Newest first."""
    return await uow.read(lambda s: service.list_settlements(s, status, limit, cursor))


@router.post("/preview", response_model=SettlementPreview, responses=problems(401, 403, 413, 415, 422, 503))
async def preview_settlement(body: SettlementCreate, _principal: FinanceRead, uow: UoW) -> SettlementPreview:
    """Who a run would settle now (largest balances first) and for how much; nothing is written."""
    return await uow.read(lambda s: service.preview_settlement(s, body))


@router.post(
    "", status_code=201, response_model=SettlementDetail, responses=problems(401, 403, 413, 415, 422, 503)
)
async def create_settlement(
    request: Request,
    body: SettlementCreate,
    principal: Admin,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Queue a run by hand; the worker executes it in the background (poll `GET /settlements/{id}`)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_settlement(s, principal, body, utcnow()),
    )


@router.get("/{settlement_id}", response_model=SettlementDetail, responses=problems(401, 403, 404, 503))
async def get_settlement(settlement_id: SettlementId, _principal: FinanceRead, uow: UoW) -> SettlementDetail:
    """The run with every member settled (points, money, voucher) and the audit of its steps."""
    return await uow.read(lambda s: service.get_settlement(s, settlement_id))
