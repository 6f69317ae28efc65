"""Purchases from the POS: quote, post, read, list, refund."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from app.api.deps import Cursor, IdempotencyKey, Limit, MembersRead, TransactionsWrite, UoW, create_once
from app.api.sync import UpdatedSince
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.purchases import (
    QuotePublic,
    RefundCreate,
    RefundPage,
    RefundPublic,
    TransactionCreate,
    TransactionPage,
    TransactionPublic,
)
from app.models.text import RESOURCE_ID, STORE_ID
from app.services.loyalty import refund_reads, refunds
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

    409 `duplicate_receipt` with `existing_id` when the same `(store_id, external_id)` was already
    posted; 403 `store_not_allowed` when a store-bound key posts for another store.
    """
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.post_purchase(s, principal, body, utcnow()),
    )


@router.post("/quote", response_model=QuotePublic, responses=problems(401, 403, 409, 413, 415, 422, 503))
async def quote_transaction(body: TransactionCreate, principal: TransactionsWrite, uow: UoW) -> QuotePublic:
    """The same figures as posting, for the POS to show before charging; nothing is saved.

    409 when `redeem_points` exceeds the balance.
    """
    return await uow.read(lambda s: service.quote_purchase(s, principal, body, utcnow()))


@router.get("", response_model=TransactionPage, responses=problems(401, 403, 422, 503))
async def list_transactions(
    principal: MembersRead,
    uow: UoW,
    customer_id: Annotated[str | None, Query(max_length=40, pattern=RESOURCE_ID)] = None,
    store_id: Annotated[str | None, Query(max_length=64, pattern=STORE_ID)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> TransactionPage:
    """Posted purchases, newest first, optionally of one member or store.

    With `updated_since`: purchases posted or refunded since then, oldest change first.
    """
    return await uow.read(
        lambda s: service.list_transactions(
            s,
            principal,
            customer_id=customer_id,
            store_id=store_id,
            limit=limit,
            cursor=cursor,
            updated_since=updated_since,
        )
    )


@router.get(
    "/{transaction_id}", response_model=TransactionPublic, responses=problems(401, 403, 404, 422, 503)
)
async def get_transaction(
    transaction_id: TransactionId, principal: MembersRead, uow: UoW
) -> TransactionPublic:
    """A posted purchase with its lines, points as posted (`balance_after`) and its refunds."""
    return await uow.read(lambda s: service.get_transaction(s, principal, transaction_id))


@router.get(
    "/{transaction_id}/refunds", response_model=RefundPage, responses=problems(401, 403, 404, 422, 503)
)
async def list_refunds(
    transaction_id: TransactionId, principal: MembersRead, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> RefundPage:
    """The purchase's refunds, oldest first; amounts are money paid back (paid amounts)."""
    return await uow.read(lambda s: refund_reads.list_refunds(s, principal, transaction_id, limit, cursor))


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
    """Refund lines by the money paid back, or everything still unrefunded with `{}`; points are reversed.

    Amounts are paid amounts (after the rebate), at most a line's `paid` less what was refunded.
    409 `nothing_to_refund` when nothing is left.
    """
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: refunds.refund_purchase(s, principal, transaction_id, body, utcnow()),
    )
