"""Members: create (with a duplicate check), read, update, search, soft delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from app.api.conditional import NOT_MODIFIED, IfMatch, IfNoneMatch, respond, set_etag, tagged
from app.api.deps import (
    AllowDuplicate,
    Cursor,
    IdempotencyKey,
    Limit,
    MembersRead,
    MembersWrite,
    UoW,
    create_once,
)
from app.api.sync import UpdatedSince
from app.domain.loyalty.points_settings import Phase
from app.domain.marketing.analysis import Segment
from app.domain.marketing.lifecycle import LifecycleStage
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.customers import CustomerCreate, CustomerPage, CustomerPublic, CustomerUpdate, Status
from app.models.text import CODE, LINE, STORE_ID
from app.repositories.loyalty.customers import SearchFilters
from app.services.loyalty import customers as service

router = APIRouter(prefix="/customers", tags=["customers"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]
RfmMin = Annotated[int | None, Query(ge=1, le=5, description="Members scoring at least this (1–5).")]


@router.post(
    "",
    status_code=201,
    response_model=CustomerPublic,
    responses=problems(401, 403, 409, 413, 415, 422, 503),
)
async def create_customer(
    request: Request,
    body: CustomerCreate,
    principal: MembersWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
    allow_duplicate: AllowDuplicate = False,
) -> JSONResponse:
    """Create a member; 409 with `existing_id` when the phone, email or external_ref is taken."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_customer(s, principal, body, allow_duplicate=allow_duplicate, now=utcnow()),
    )


@router.get("", response_model=CustomerPage, responses=problems(401, 403, 422, 503))
async def list_customers(
    principal: MembersRead,
    uow: UoW,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            pattern=LINE,
            description="Name fragment, phone (any spelling; a partial number matches the last digits), "
            "email or reference.",
        ),
    ] = None,
    tier: Annotated[str | None, Query(max_length=32, pattern=CODE)] = None,
    phase: Phase | None = None,
    status: Status | None = None,
    sales_rep: Annotated[str | None, Query(max_length=100, pattern=LINE)] = None,
    store_id: Annotated[str | None, Query(max_length=64, pattern=STORE_ID)] = None,
    stage: LifecycleStage | None = None,
    segment: Segment | None = None,
    rfm_r_min: RfmMin = None,
    rfm_f_min: RfmMin = None,
    rfm_m_min: RfmMin = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> CustomerPage:
    """Search members, newest first, with cursor pagination.

    `stage`, `segment` and `rfm_*_min` filter on the stored analysis (docs/analysis.md).

    With `updated_since`: members changed since then, deleted ones included (`deleted_at`
    set), oldest change first.
    """
    filters = SearchFilters(
        q=q,
        tier=tier,
        phase=phase,
        status=status,
        sales_rep=sales_rep,
        store_id=store_id,
        stage=stage,
        segment=segment,
        rfm_r_min=rfm_r_min,
        rfm_f_min=rfm_f_min,
        rfm_m_min=rfm_m_min,
    )
    return await uow.read(
        lambda s: service.search_customers(s, principal, filters, limit, cursor, utcnow(), updated_since)
    )


@router.get(
    "/{customer_id}",
    response_model=CustomerPublic,
    responses={**tagged(), **NOT_MODIFIED, **problems(401, 403, 404, 422, 503)},
)
async def get_customer(
    customer_id: CustomerId,
    principal: MembersRead,
    uow: UoW,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> Any:
    """One member with its tier, phase and lifecycle stage, and its ETag."""
    member = await uow.read(lambda s: service.get_customer(s, principal, customer_id, utcnow()))
    return respond(response, member, if_none_match)


@router.patch(
    "/{customer_id}",
    response_model=CustomerPublic,
    responses={**tagged(), **problems(401, 403, 404, 409, 412, 413, 415, 422, 503)},
)
async def update_customer(
    customer_id: CustomerId,
    body: CustomerUpdate,
    principal: MembersWrite,
    uow: UoW,
    response: Response,
    allow_duplicate: AllowDuplicate = False,
    if_match: IfMatch = None,
) -> Any:
    """Change only the fields sent; balances, tier and history are never set by hand.

    With `If-Match`, only if the member is still the version read (412 otherwise).
    """
    member = await uow.run(
        lambda s: service.update_customer(
            s, principal, customer_id, body, allow_duplicate=allow_duplicate, now=utcnow(), if_match=if_match
        )
    )
    return set_etag(response, member)


@router.delete("/{customer_id}", status_code=204, responses=problems(401, 403, 404, 412, 422, 503))
async def delete_customer(
    customer_id: CustomerId, principal: MembersWrite, uow: UoW, if_match: IfMatch = None
) -> Response:
    """Soft delete: the member leaves the API; its purchases and ledger stay for audit."""
    await uow.run(lambda s: service.delete_customer(s, principal, customer_id, utcnow(), if_match))
    return Response(status_code=204)
