"""Member tokens: an integration key issues a mobile app a token that reads one member only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import Cursor, IdempotencyKey, Limit, MembersRead, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.integration.member_tokens import (
    MemberTokenCreate,
    MemberTokenCreated,
    MemberTokenPage,
    MemberTokenPublic,
)
from app.services.integration import member_tokens as service

router = APIRouter(prefix="/customers/{customer_id}/tokens", tags=["member-tokens"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]
TokenId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "",
    status_code=201,
    response_model=MemberTokenCreated,
    responses=problems(401, 403, 404, 409, 413, 415, 422, 503),
)
async def create_member_token(
    request: Request,
    customer_id: CustomerId,
    body: MemberTokenCreate,
    principal: MembersRead,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A short-lived bearer token (`mt_…`) that reads only this member's tier, points and ledger.

    `token` appears only in this response. Hand it to the member's app; anything else it asks
    for answers 404, and it answers 401 once expired or revoked.
    """
    secret: str = request.app.state.secret_key
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.issue_token(s, secret, principal, customer_id, body, utcnow()),
        secret_fields=("token",),
    )


@router.get("", response_model=MemberTokenPage, responses=problems(401, 403, 404, 422, 503))
async def list_member_tokens(
    customer_id: CustomerId, principal: MembersRead, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> MemberTokenPage:
    """The member's tokens, newest first (expired and revoked ones too); never the token itself."""
    return await uow.read(lambda s: service.list_tokens(s, principal, customer_id, limit, cursor))


@router.delete("/{token_id}", response_model=MemberTokenPublic, responses=problems(401, 403, 404, 422, 503))
async def revoke_member_token(
    customer_id: CustomerId, token_id: TokenId, principal: MembersRead, uow: UoW
) -> MemberTokenPublic:
    """Revoke a token (sign-out, lost phone); it answers 401 from the next request on."""
    return await uow.run(lambda s: service.revoke_token(s, principal, customer_id, token_id, utcnow()))
