"""Signed points statements and the public key that verifies them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from app.api.deps import MemberReader, UoW
from app.errors import problems
from app.models.base import utcnow
from app.models.integration.statements import SignedStatement, StatementKey
from app.services.integration import statements as service

router = APIRouter(tags=["statements"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get(
    "/customers/{customer_id}/points/statement",
    response_model=SignedStatement,
    responses=problems(401, 403, 404, 503),
)
async def get_points_statement(
    request: Request, customer_id: CustomerId, principal: MemberReader, uow: UoW
) -> SignedStatement:
    """Balance, lifetime figures, tier and recent entries with a detached Ed25519 signature.

    Verify: canonical JSON of `statement` (sorted keys, no whitespace, UTF-8) against
    `signature` with the key `key_id` from `GET /v1/.well-known/statement-key`.
    """
    key: bytes = request.app.state.statement_key
    return await uow.read(lambda s: service.get_statement(s, principal, customer_id, key, utcnow()))


@router.get(
    "/.well-known/statement-key",
    response_model=StatementKey,
    responses=problems(503),
    openapi_extra={"security": []},  # public: anyone verifying a statement needs it
)
async def get_statement_key(request: Request) -> StatementKey:
    """The public key of points statements as a JWK (no authentication)."""
    return service.public_key(request.app.state.statement_key)
