"""API keys: random secrets with a readable prefix; only an HMAC-SHA256 of each is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import Forbidden, NotFound, Unauthorized
from app.models import ApiKey
from app.models.base import new_id
from app.models.integration.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, Scope
from app.repositories.integration import api_keys as repo

KEY_PREFIX = "lk_"
# last_used_at is written at most this often per key, so reads stay reads.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, its scopes and its optional store restriction."""

    key_id: str
    name: str
    scopes: frozenset[str]
    store_id: str | None

    def has(self, scope: Scope) -> bool:
        return Scope.admin in self.scopes or scope in self.scopes

    def check_store(self, store_id: str) -> None:
        """A key bound to a store (a dealer's POS) acts only for that store."""
        if self.store_id is not None and self.store_id != store_id:
            raise Forbidden(f"this API key may only act for store {self.store_id}")


def hash_key(secret: str, key: str) -> str:
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


async def create_api_key(
    session: AsyncSession, secret: str, body: ApiKeyCreate, now: datetime
) -> ApiKeyCreated:
    """A new key; the returned `key` is the only time it is ever shown."""
    public = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{public}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        id=new_id("key"),
        name=body.name,
        prefix=f"{KEY_PREFIX}{public}",
        key_hash=hash_key(secret, key),
        scopes=sorted({s.value for s in body.scopes}),
        store_id=body.store_id,
        created_at=now,
    )
    await repo.add(session, row)
    return ApiKeyCreated(**ApiKeyPublic.model_validate(row, from_attributes=True).model_dump(), key=key)


async def list_api_keys(session: AsyncSession) -> Sequence[ApiKeyPublic]:
    return [ApiKeyPublic.model_validate(k, from_attributes=True) for k in await repo.list_all(session)]


async def revoke_api_key(session: AsyncSession, key_id: str, now: datetime) -> ApiKeyPublic:
    key = await repo.get(session, key_id)
    if key is None:
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
