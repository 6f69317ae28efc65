"""Staff users (admin without a store restriction): create, list, read, change, deactivate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import Admin, Cursor, IdempotencyKey, Limit, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.crm.users import UserCreate, UserPage, UserPublic, UserUpdate
from app.models.text import RESOURCE_ID
from app.services.crm import users as service

router = APIRouter(prefix="/users", tags=["users"])
UserId = Annotated[str, Path(min_length=1, max_length=40, pattern=RESOURCE_ID)]


@router.post(
    "", status_code=201, response_model=UserPublic, responses=problems(401, 403, 404, 409, 413, 415, 422, 503)
)
async def create_user(
    request: Request, body: UserCreate, principal: Admin, uow: UoW, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """A new user; 409 `duplicate_user` when the email or rep code is taken."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_user(s, principal, body, utcnow()),
    )


@router.get("", response_model=UserPage, responses=problems(401, 403, 422, 503))
async def list_users(_principal: Admin, uow: UoW, limit: Limit = 50, cursor: Cursor = None) -> UserPage:
    """Users, newest first."""
    return await uow.read(lambda s: service.list_users(s, limit, cursor))


@router.get("/{user_id}", response_model=UserPublic, responses=problems(401, 403, 404, 422, 503))
async def get_user(user_id: UserId, _principal: Admin, uow: UoW) -> UserPublic:
    """One user."""
    return await uow.read(lambda s: service.get_user(s, user_id))


@router.patch("/{user_id}", response_model=UserPublic, responses=problems(401, 403, 404, 413, 415, 422, 503))
async def update_user(user_id: UserId, body: UserUpdate, principal: Admin, uow: UoW) -> UserPublic:
    """Change the name, role, store or `active`; takes effect on the user's keys at their next request."""
    return await uow.run(lambda s: service.update_user(s, principal, user_id, body, utcnow()))


@router.delete("/{user_id}", response_model=UserPublic, responses=problems(401, 403, 404, 422, 503))
async def deactivate_user(user_id: UserId, principal: Admin, uow: UoW) -> UserPublic:
    """Deactivate the user: its keys answer 401 until it is made active again (PATCH)."""
    return await uow.run(lambda s: service.deactivate_user(s, principal, user_id, utcnow()))
