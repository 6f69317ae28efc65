"""API keys (admin): create (the key is shown once), list, revoke; a store-bound admin manages its store's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import Cursor, IdempotencyKey, Limit, StoreAdmin, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.integration.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyPage, ApiKeyPublic
from app.services.integration import api_keys as service

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.post(
    "", status_code=201, response_model=ApiKeyCreated, responses=problems(401, 403, 409, 413, 415, 422, 503)
)
async def create_api_key(
    request: Request,
    body: ApiKeyCreate,
    principal: StoreAdmin,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A new scoped key, never wider than the caller's own (a store-bound caller's keys get its store).

    `key` appears only in this response (only its hash is stored).
    """
    secret: str = request.app.state.secret_key
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_api_key(s, secret, principal, body, utcnow()),
        secret_fields=("key",),
    )


@router.get("", response_model=ApiKeyPage, responses=problems(401, 403, 503))
async def list_api_keys(
    principal: StoreAdmin, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> ApiKeyPage:
    """Keys with prefix, scopes, store and last use, newest first; never the key itself."""
    return await uow.read(lambda s: service.list_api_keys(s, principal, limit, cursor))


@router.delete("/{key_id}", response_model=ApiKeyPublic, responses=problems(401, 403, 404, 422, 503))
async def revoke_api_key(
    key_id: Annotated[str, Path(min_length=1, max_length=64)], principal: StoreAdmin, uow: UoW
) -> ApiKeyPublic:
    """Revoke a key; it (and the member tokens it issued) is refused from the next request on."""
    return await uow.run(lambda s: service.revoke_api_key(s, principal, key_id, utcnow()))
