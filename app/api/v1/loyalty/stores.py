"""Stores: list and read (members:read), create and change (admin without a store restriction)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import Admin, Cursor, IdempotencyKey, Limit, MembersRead, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.stores import STORE_CODE, StoreCreate, StorePage, StorePublic, StoreUpdate
from app.services.loyalty import stores as service

router = APIRouter(prefix="/stores", tags=["stores"])
StoreCodePath = Annotated[str, Path(min_length=1, max_length=64, pattern=STORE_CODE)]


@router.get("", response_model=StorePage, responses=problems(401, 403, 422, 503))
async def list_stores(
    principal: MembersRead, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> StorePage:
    """Stores by code; a store-bound key sees only its own."""
    return await uow.read(lambda s: service.list_stores(s, principal.store_id, limit, cursor))


@router.post(
    "", status_code=201, response_model=StorePublic, responses=problems(401, 403, 409, 413, 415, 422, 503)
)
async def create_store(
    request: Request, body: StoreCreate, principal: Admin, uow: UoW, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """A new store; 409 `duplicate_store` when the code is taken."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_store(s, body, utcnow(), principal),
    )


@router.get("/{code}", response_model=StorePublic, responses=problems(401, 403, 404, 422, 503))
async def get_store(code: StoreCodePath, principal: MembersRead, uow: UoW) -> StorePublic:
    """One store."""
    return await uow.read(lambda s: service.get_store(s, principal.store_id, code))


@router.patch("/{code}", response_model=StorePublic, responses=problems(401, 403, 404, 413, 415, 422, 503))
async def update_store(code: StoreCodePath, body: StoreUpdate, principal: Admin, uow: UoW) -> StorePublic:
    """Change the name, region or `active`; an inactive store takes no new purchases."""
    return await uow.run(lambda s: service.update_store(s, code, body, utcnow(), principal))
