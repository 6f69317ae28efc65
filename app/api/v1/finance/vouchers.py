"""Vouchers: read one, use one at a POS (once), void one (admin), list a member's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import (
    Admin,
    Cursor,
    IdempotencyKey,
    Limit,
    MembersRead,
    TransactionsWrite,
    UoW,
    create_once,
)
from app.errors import problems
from app.models.base import utcnow
from app.models.finance.vouchers import (
    VOUCHER_CODE,
    VoucherPage,
    VoucherPublic,
    VoucherStatus,
    VoucherUse,
    VoucherVoid,
)
from app.services.finance import vouchers as service

router = APIRouter(tags=["vouchers"])
Code = Annotated[str, Path(max_length=32, pattern=VOUCHER_CODE)]
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/vouchers/{code}", response_model=VoucherPublic, responses=problems(401, 403, 404, 503))
async def get_voucher(code: Code, principal: MembersRead, uow: UoW) -> VoucherPublic:
    """A voucher's amount and status (the POS checks it before charging)."""
    return await uow.read(lambda s: service.get_voucher(s, principal, code))


@router.post(
    "/vouchers/{code}/use",
    status_code=201,
    response_model=VoucherPublic,
    responses=problems(401, 403, 404, 409, 413, 415, 503),
)
async def use_voucher(
    request: Request,
    code: Code,
    body: VoucherUse,
    principal: TransactionsWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Spend the voucher at a store; 409 when it is already used or void. Honours Idempotency-Key."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.use_voucher(s, principal, code, body, utcnow()),
    )


@router.post(
    "/vouchers/{code}/void",
    response_model=VoucherPublic,
    responses=problems(401, 403, 404, 409, 413, 415, 503),
)
async def void_voucher(code: Code, body: VoucherVoid, principal: Admin, uow: UoW) -> VoucherPublic:
    """Cancel an unused voucher with a reason; 409 when it is used or void already."""
    return await uow.run(lambda s: service.void_voucher(s, principal, code, body, utcnow()))


@router.get(
    "/customers/{customer_id}/vouchers",
    response_model=VoucherPage,
    responses=problems(401, 403, 404, 422, 503),
)
async def list_customer_vouchers(
    customer_id: CustomerId,
    principal: MembersRead,
    uow: UoW,
    status: VoucherStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> VoucherPage:
    """The member's vouchers, by code."""
    return await uow.read(
        lambda s: service.list_customer_vouchers(s, principal, customer_id, status, limit, cursor)
    )
