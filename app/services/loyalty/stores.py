"""Stores: the dealers and branches that post purchases, own members and hold keys.

A store-bound key sees only its own store. An inactive store stays readable, and its
purchases can still be refunded, but it can be named by no new purchase, quote, member or key.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import DuplicateStore, InvalidInput, NotFound
from app.models.loyalty.stores import STORE_CODE, StoreCreate, StorePage, StorePublic, StoreUpdate
from app.repositories.loyalty import stores as repo
from app.services import audit
from app.services.audit import Actor
from app.services.pagination import HEX_CODE, decode_position, encode_cursor


async def require_store(session: AsyncSession, code: str) -> None:
    """Refuse a request whose `store_id` names an unknown or inactive store (422 on `store_id`)."""
    store = await repo.get(session, code)
    if store is None:
        raise InvalidInput.at("store_id", f"no store {code}; create it with POST /v1/stores")
    if not store.active:
        raise InvalidInput.at("store_id", f"store {code} is inactive")


def _after(cursor: str | None) -> str | None:
    """The store code a cursor points after (codes travel hex-encoded: they may hold `.` and `-`)."""
    text = decode_position(cursor, HEX_CODE)
    if text is None:
        return None
    try:
        code = bytes.fromhex(text).decode()
    except ValueError:
        code = ""
    if not re.fullmatch(STORE_CODE, code):
        raise InvalidInput.at("cursor", "not a cursor this API returned")
    return code


async def list_stores(session: AsyncSession, only: str | None, limit: int, cursor: str | None) -> StorePage:
    """Stores by code; `only` is a store-bound caller's store, the one it may see."""
    found = await repo.page(session, limit=limit + 1, after=_after(cursor), only=only)
    page = [StorePublic.model_validate(s, from_attributes=True) for s in found[:limit]]
    more = len(found) > limit
    return StorePage(items=page, next_cursor=encode_cursor(page[-1].code.encode().hex()) if more else None)


async def get_store(session: AsyncSession, only: str | None, code: str) -> StorePublic:
    """One store; for a store-bound caller (`only`), any other store is not found."""
    store = await repo.get(session, code)
    if store is None or (only is not None and only != code):
        raise NotFound(f"no store {code}")
    return StorePublic.model_validate(store, from_attributes=True)


async def create_store(
    session: AsyncSession, body: StoreCreate, now: datetime, actor: Actor | None = None
) -> StorePublic:
    values = {**body.model_dump(), "created_at": now, "updated_at": now}
    if not await repo.insert(session, values):
        raise DuplicateStore(f"store {body.code} already exists", extra={"existing_id": body.code})
    await audit.record(
        session, actor, "store", body.code, "create", None, body.model_dump(exclude={"code"}), now
    )
    return StorePublic.model_validate(values)


async def update_store(
    session: AsyncSession, code: str, body: StoreUpdate, now: datetime, actor: Actor | None = None
) -> StorePublic:
    """Rename, move or (de)activate a store; its code never changes."""
    current = await get_store(session, None, code)
    values = body.model_dump(exclude_unset=True)
    if values:
        await repo.update_fields(session, code, {**values, "updated_at": now})
    before = current.model_dump(include=set(values))
    await audit.record(session, actor, "store", code, "update", before, values, now)
    return current.model_copy(update={**values, "updated_at": now} if values else {})
