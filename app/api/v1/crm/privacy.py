"""A member's privacy: marketing consent per channel, undelete, and erasure on request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.api.deps import Admin, MembersRead, MembersWrite, StoreAdmin, UoW
from app.errors import problems
from app.models.base import utcnow
from app.models.crm.consents import ConsentsPublic, ConsentsUpdate
from app.models.crm.erasure import ErasurePublic
from app.models.loyalty.customers import CustomerPublic
from app.services.crm import consents, erasure
from app.services.loyalty import customers

router = APIRouter(tags=["customers"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get(
    "/customers/{customer_id}/consents",
    response_model=ConsentsPublic,
    responses=problems(401, 403, 404, 422, 503),
)
async def get_customer_consents(customer_id: CustomerId, principal: MembersRead, uow: UoW) -> ConsentsPublic:
    """The member's marketing consent in force per channel (never asked: not granted)."""
    return await uow.read(lambda s: consents.get_consents(s, principal, customer_id))


@router.patch(
    "/customers/{customer_id}/consents",
    response_model=ConsentsPublic,
    responses=problems(401, 403, 404, 413, 415, 422, 503),
)
async def update_customer_consents(
    customer_id: CustomerId, body: ConsentsUpdate, principal: MembersWrite, uow: UoW
) -> ConsentsPublic:
    """Record the member's consent given (`true`) or withdrawn (`false`) on the channels sent.

    Each decision is kept with its time, `source` and author; the latest per channel holds.
    """
    return await uow.run(lambda s: consents.update_consents(s, principal, customer_id, body, utcnow()))


@router.post(
    "/customers/{customer_id}/restore",
    response_model=CustomerPublic,
    responses=problems(401, 403, 404, 409, 422, 503),
)
async def restore_customer(customer_id: CustomerId, principal: StoreAdmin, uow: UoW) -> CustomerPublic:
    """Undelete a soft-deleted member (admins; managers for their store).

    409 `duplicate_member` (with `existing_id`) when a live member now holds its phone, email
    or external_ref; `member_merged` for a merged duplicate (undo the merge); `member_erased`.
    """
    return await uow.run(lambda s: customers.restore_customer(s, principal, customer_id, utcnow()))


@router.post(
    "/customers/{customer_id}/erasure",
    response_model=ErasurePublic,
    responses=problems(401, 403, 404, 422, 503),
)
async def erase_customer(customer_id: CustomerId, principal: Admin, uow: UoW) -> ErasurePublic:
    """Erase the member's personal data on request (PIPL), irreversibly (admins only).

    Personal fields are cleared, its ledger, purchases and totals kept; the member is deleted
    and can never be restored or merged. See docs/privacy.md for exactly what is erased.
    """
    return await uow.run(lambda s: erasure.erase_customer(s, principal, customer_id, utcnow()))
