"""API keys: random secrets with a readable prefix; only an HMAC-SHA256 of each is stored.

A key can never do more than the key that created it: a store-bound creator's keys inherit
its store (and cannot name another), and a new key's scopes are a subset of the creator's
(admin holds them all). The CLI acts as the unrestricted root.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import NotFound, ScopeNotAllowed, StoreNotAllowed, Unauthorized
from app.models import ApiKey
from app.models.base import new_id
from app.models.integration.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyPage, ApiKeyPublic, Scope
from app.repositories.integration import api_keys as repo
from app.services.loyalty.stores import require_store
from app.services.pagination import decode_cursor, encode_cursor

KEY_PREFIX = "lk_"
# last_used_at is written at most this often per key, so reads stay reads.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key (its scopes and optional store) or a member token (`customer_id`)."""

    key_id: str
    name: str
    scopes: frozenset[str]
    store_id: str | None
    customer_id: str | None = None

    def has(self, scope: Scope) -> bool:
        return self.customer_id is None and (Scope.admin in self.scopes or scope in self.scopes)

    def check_store(self, store_id: str) -> None:
        """A key bound to a store (a dealer's POS) acts only for that store."""
        if self.store_id is not None and self.store_id != store_id:
            raise StoreNotAllowed(f"this API key may only act for store {self.store_id}")

    def sees_store(self, store_id: str | None) -> bool:
        return self.store_id is None or self.store_id == store_id


#: The operator at the command line: may create any key.
ROOT = Principal(key_id="cli", name="crm command line", scopes=frozenset({Scope.admin}), store_id=None)


def hash_key(secret: str, key: str) -> str:
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def bound_store(creator: Principal, body: ApiKeyCreate) -> str | None:
    """The store and scopes a creator may give a new key: never wider than its own."""
    store = body.store_id
    if creator.store_id is not None:
        if store is not None and store != creator.store_id:
            raise StoreNotAllowed(f"this API key may only create keys for store {creator.store_id}")
        store = creator.store_id
    if Scope.admin not in creator.scopes:
        beyond = sorted(s.value for s in body.scopes if s not in creator.scopes)
        if beyond:
            raise ScopeNotAllowed(f"this API key may not grant {', '.join(beyond)}")
    return store


async def create_api_key(
    session: AsyncSession, secret: str, creator: Principal, body: ApiKeyCreate, now: datetime
) -> ApiKeyCreated:
    """A new key within the creator's powers; the returned `key` is the only time it is shown."""
    store = bound_store(creator, body)
    if store is not None:
        await require_store(session, store)
    public = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{public}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        id=new_id("key"),
        name=body.name,
        prefix=f"{KEY_PREFIX}{public}",
        key_hash=hash_key(secret, key),
        scopes=sorted({s.value for s in body.scopes}),
        store_id=store,
        created_at=now,
    )
    await repo.add(session, row)
    return ApiKeyCreated(**ApiKeyPublic.model_validate(row, from_attributes=True).model_dump(), key=key)


async def list_api_keys(
    session: AsyncSession, principal: Principal, limit: int = 500, cursor: str | None = None
) -> ApiKeyPage:
    """Keys, newest first; a store-bound admin sees only its store's."""
    found = await repo.page(
        session, limit=limit + 1, before_id=decode_cursor(cursor, "key"), store_id=principal.store_id
    )
    items = [ApiKeyPublic.model_validate(k, from_attributes=True) for k in found[:limit]]
    more = len(found) > limit
    return ApiKeyPage(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)


async def revoke_api_key(
    session: AsyncSession, principal: Principal, key_id: str, now: datetime
) -> ApiKeyPublic:
    key = await repo.get(session, key_id)
    if key is None or not principal.sees_store(key.store_id):
        raise NotFound(f"no API key {key_id}")
    if key.revoked_at is None:
        key.revoked_at = now
        await session.flush()
    return ApiKeyPublic.model_validate(key, from_attributes=True)


async def authenticate(
    session: AsyncSession, secret: str, raw_key: str, now: datetime
) -> tuple[Principal, bool]:
    """The principal of a bearer key, and whether its last use was written now.

    Revocation takes effect on the very next request: nothing here is cached.
    """
    if not raw_key.startswith(KEY_PREFIX):
        raise Unauthorized("the API key is not valid")
    key = await repo.get_by_hash(session, hash_key(secret, raw_key))
    if key is None or key.revoked_at is not None:
        raise Unauthorized("the API key is not valid or was revoked")
    touched = key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY
    if touched:
        await repo.touch(session, key.id, now, now - TOUCH_EVERY)
    return Principal(key.id, key.name, frozenset(key.scopes), key.store_id), touched
