"""Purchases from the POS: quote, post, read, list, refund."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from app.api.deps import Cursor, IdempotencyKey, Limit, MembersRead, TransactionsWrite, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.purchases import (
    QuotePublic,
    RefundCreate,
    RefundPublic,
    TransactionCreate,
    TransactionPage,
    TransactionPublic,
)
from app.models.text import RESOURCE_ID, STORE_ID
from app.services.loyalty import refunds
from app.services.loyalty import transactions as service

router = APIRouter(prefix="/transactions", tags=["transactions"])
TransactionId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "",
    status_code=201,
    response_model=TransactionPublic,
    responses=problems(401, 403, 409, 413, 415, 422, 503),
)
async def create_transaction(
    request: Request,
    body: TransactionCreate,
    principal: TransactionsWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Post a purchase: tier rebate, payable, points and re-grade in one database transaction.

    409 with `existing_id` when the same `(store_id, external_id)` was already posted.
    """
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.post_purchase(s, principal, body, utcnow()),
    )


@router.post("/quote", response_model=QuotePublic, responses=problems(401, 403, 413, 415, 422, 503))
async def quote_transaction(body: TransactionCreate, principal: TransactionsWrite, uow: UoW) -> QuotePublic:
    """The same figures as posting, for the POS to show before charging; nothing is saved."""
    return await uow.read(lambda s: service.quote_purchase(s, principal, body))


@router.get("", response_model=TransactionPage, responses=problems(401, 403, 422, 503))
async def list_transactions(
    _principal: MembersRead,
    uow: UoW,
    customer_id: Annotated[str | None, Query(max_length=40, pattern=RESOURCE_ID)] = None,
    store_id: Annotated[str | None, Query(max_length=64, pattern=STORE_ID)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> TransactionPage:
    """Posted purchases, newest first, optionally of one member or store."""
    return await uow.read(
        lambda s: service.list_transactions(
            s, customer_id=customer_id, store_id=store_id, limit=limit, cursor=cursor
        )
    )


@router.get(
    "/{transaction_id}", response_model=TransactionPublic, responses=problems(401, 403, 404, 422, 503)
)
async def get_transaction(
    transaction_id: TransactionId, _principal: MembersRead, uow: UoW
) -> TransactionPublic:
    """A posted purchase with its lines, points and what has been refunded."""
    return await uow.read(lambda s: service.get_transaction(s, transaction_id))


@router.post(
    "/{transaction_id}/refunds",
    status_code=201,
    response_model=RefundPublic,
    responses=problems(401, 403, 404, 409, 413, 415, 422, 503),
)
async def create_refund(
    request: Request,
    transaction_id: TransactionId,
    body: RefundCreate,
    principal: TransactionsWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Refund lines by amount, or everything still unrefunded with `{}`; points are reversed."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: refunds.refund_purchase(s, principal, transaction_id, body, utcnow()),
    )
