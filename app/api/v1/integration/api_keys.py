"""API keys (admin): create (the key is shown once), list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import Admin, IdempotencyKey, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.integration.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from app.services.integration import api_keys as service

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.post(
    "", status_code=201, response_model=ApiKeyCreated, responses=problems(401, 403, 409, 413, 415, 422, 503)
)
async def create_api_key(
    request: Request, body: ApiKeyCreate, principal: Admin, uow: UoW, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """A new scoped key; `key` appears only in this response (only its hash is stored)."""
    secret: str = request.app.state.secret_key
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_api_key(s, secret, body, utcnow()),
        secret_fields=("key",),
    )


@router.get("", response_model=list[ApiKeyPublic], responses=problems(401, 403, 503))
async def list_api_keys(_principal: Admin, uow: UoW) -> list[ApiKeyPublic]:
    """Every key with its prefix, scopes, store and last use; never the key itself."""
    return list(await uow.read(service.list_api_keys))


@router.delete("/{key_id}", response_model=ApiKeyPublic, responses=problems(401, 403, 404, 422, 503))
async def revoke_api_key(
    key_id: Annotated[str, Path(min_length=1, max_length=64)], _principal: Admin, uow: UoW
) -> ApiKeyPublic:
    """Revoke a key; it is refused from the next request on."""
    return await uow.run(lambda s: service.revoke_api_key(s, key_id, utcnow()))
