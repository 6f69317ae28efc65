"""Duplicate members: merge one into another, and undo a merge within the window."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import Admin, IdempotencyKey, StoreAdmin, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.crm.merges import MergeCreate, MergePublic
from app.services.crm import merges as service

router = APIRouter(tags=["customers"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]
MergeId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/customers/{customer_id}/merge",
    status_code=201,
    response_model=MergePublic,
    responses=problems(401, 403, 404, 409, 413, 415, 422, 503),
)
async def merge_customers(
    request: Request,
    customer_id: CustomerId,
    body: MergeCreate,
    principal: StoreAdmin,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Merge the duplicate `duplicate_id` into this member (admins; managers within their store).

    Its purchases, ledger, points lots, vouchers, vehicles, maintenance, contacts, activities,
    tickets and consents move here; totals are re-added from the ledger and the tier re-graded;
    the duplicate is deleted with `merged_into` set. An admin may undo it for `undo_until`.
    """
    window = request.app.state.settings.merge_undo_days
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.merge_members(s, principal, customer_id, body, utcnow(), window),
    )


@router.post(
    "/merges/{merge_id}/undo", response_model=MergePublic, responses=problems(401, 403, 404, 409, 422, 503)
)
async def undo_merge(request: Request, merge_id: MergeId, principal: Admin, uow: UoW) -> MergePublic:
    """Move back exactly what the merge moved (admins, within `CRM_MERGE_UNDO_DAYS`).

    409 `merge_not_reversible` when a moved points lot was spent or expired, or a moved purchase
    refunded, since; `merge_window_closed` past the window; `merge_already_undone` the second time.
    """
    window = request.app.state.settings.merge_undo_days
    return await uow.run(lambda s: service.undo_merge(s, principal, merge_id, utcnow(), window))
