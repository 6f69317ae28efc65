"""Staff users: create, list, change role, store and activity; every write is audited.

A deactivated user's keys answer 401 from the next request on (authentication reads the
user each time); reactivating brings them back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.errors import DuplicateUser
from app.domain.crm.roles import needs_store
from app.domain.errors import InvalidInput, NotFound
from app.models.base import new_id
from app.models.crm.users import User, UserCreate, UserPage, UserPublic, UserUpdate
from app.repositories.crm import users as repo
from app.repositories.loyalty.customers import lock_identities
from app.services import audit
from app.services.integration.api_keys import Principal, forget_keys
from app.services.loyalty.stores import require_store
from app.services.pagination import decode_cursor, encode_cursor


def _public(user: User) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


async def _check_store(session: AsyncSession, role: str, store_id: str | None) -> None:
    if needs_store(role) and store_id is None:
        raise InvalidInput.at("store_id", f"a {role} belongs to a store")
    if store_id is not None:
        await require_store(session, store_id)


async def create_user(session: AsyncSession, actor: Principal, body: UserCreate, now: datetime) -> UserPublic:
    """A new user; its rep code defaults to its id, so members can be assigned to it at once."""
    await _check_store(session, body.role, body.store_id)
    user_id = new_id("usr")
    rep_code = body.rep_code or user_id
    # concurrent creates claiming one email or rep code queue here, so one wins and the rest get 409
    await lock_identities(session, [f"user-email:{body.email}", f"user-rep:{rep_code}"])
    found = await repo.taken(session, body.email, rep_code)
    if found is not None:
        existing, field = found
        raise DuplicateUser(
            f"user {existing} already has this {field}", extra={"existing_id": existing, "field": field}
        )
    user = User(
        **body.model_dump(exclude={"rep_code"}),
        id=user_id,
        rep_code=rep_code,
        active=True,
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, user.model_dump())
    public = _public(user)
    await audit.record(session, actor, "user", user_id, "create", None, _fields(public), now)
    return public


def _fields(user: UserPublic) -> dict[str, Any]:
    return user.model_dump(exclude={"id", "created_at", "updated_at"})


async def _found(session: AsyncSession, user_id: str, *, for_update: bool = False) -> User:
    user = await repo.get(session, user_id, for_update=for_update)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


async def get_user(session: AsyncSession, user_id: str) -> UserPublic:
    return _public(await _found(session, user_id))


async def list_users(session: AsyncSession, limit: int, cursor: str | None) -> UserPage:
    found = await repo.page(session, limit + 1, decode_cursor(cursor, "usr"))
    page = found[:limit]
    return UserPage(
        items=[_public(u) for u in page],
        next_cursor=encode_cursor(page[-1].id) if len(found) > limit else None,
    )


async def update_user(
    session: AsyncSession, actor: Principal, user_id: str, body: UserUpdate, now: datetime
) -> UserPublic:
    """Change name, role, store or activity; a role needing a store must keep one."""
    user = await _found(session, user_id, for_update=True)
    values = body.model_dump(exclude_unset=True)
    for field in ("name", "role", "active"):
        if field in values and values[field] is None:
            raise InvalidInput.at(field, "may not be null")
    merged = user.model_copy(update=values)
    if "role" in values or "store_id" in values:
        await _check_store(session, merged.role, merged.store_id)
    if values:
        values["updated_at"] = now
        await repo.update_fields(session, user_id, values)
        forget_keys()  # the user's keys act with its new role, store or activity
    before, after = _public(user), _public(user.model_copy(update=values))
    await audit.record(session, actor, "user", user_id, "update", _fields(before), _fields(after), now)
    return after


async def deactivate_user(session: AsyncSession, actor: Principal, user_id: str, now: datetime) -> UserPublic:
    """Stop the user and, with it, every key bound to it."""
    return await update_user(session, actor, user_id, UserUpdate(active=False), now)
