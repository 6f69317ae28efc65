"""API keys: random secrets with a readable prefix; only an HMAC-SHA256 of each is stored.

A key can never do more than the key that created it: a store-bound creator's keys inherit
its store (and cannot name another), and a new key's scopes are a subset of the creator's
(admin holds them all). The CLI acts as the unrestricted root.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.roles import effective_scopes, grantable, needs_store
from app.domain.errors import InvalidInput, NotFound, ScopeNotAllowed, StoreNotAllowed, Unauthorized
from app.models import ApiKey
from app.models.base import new_id
from app.models.integration.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyPage, ApiKeyPublic, Scope
from app.repositories.crm import users as users_repo
from app.repositories.crm.seen import Reach
from app.repositories.integration import api_keys as repo
from app.services import audit
from app.services.loyalty.stores import require_store
from app.services.pagination import decode_cursor, encode_cursor

KEY_PREFIX = "lk_"
# last_used_at is written at most this often per key, so reads stay reads.
TOUCH_EVERY = timedelta(seconds=60)
#: How long a worker trusts a key it verified before reading it again (exists only for speed:
#: no query per request). A revoke, or a change of a key's user, made in another worker or
#: process is in force everywhere within this time; the worker that made it forgets at once.
TRUST_FOR = 0.5
_TRUSTED_MAX = 10_000
_trusted: dict[str, tuple[float, Principal]] = {}


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key (its scopes and optional store) or a member token (`customer_id`).

    A key bound to a staff user carries the user's id, the user's store (managers and staff) and,
    for staff, `rep`: the rep code whose members it alone sees.
    """

    key_id: str
    name: str
    scopes: frozenset[str]
    store_id: str | None
    customer_id: str | None = None
    user_id: str | None = None
    rep: str | None = None

    @property
    def reach(self) -> Reach:
        """The members this caller sees, as list queries filter them."""
        return Reach(self.store_id, self.rep)

    def has(self, scope: Scope) -> bool:
        return self.customer_id is None and (Scope.admin in self.scopes or scope in self.scopes)

    def check_store(self, store_id: str) -> None:
        """A key bound to a store (a dealer's POS) acts only for that store."""
        if self.store_id is not None and self.store_id != store_id:
            raise StoreNotAllowed(f"this API key may only act for store {self.store_id}")

    def sees_store(self, store_id: str | None) -> bool:
        return self.store_id is None or self.store_id == store_id


def trusted(secret: str, raw_key: str) -> Principal | None:
    """The principal of a key this worker verified less than `TRUST_FOR` ago, if any."""
    if not raw_key.startswith(KEY_PREFIX):
        return None
    found = _trusted.get(hash_key(secret, raw_key))
    if found is None or found[0] < time.monotonic():
        return None
    return found[1]


def _trust(key_hash: str, principal: Principal) -> None:
    if len(_trusted) >= _TRUSTED_MAX:
        _trusted.clear()
    _trusted[key_hash] = (time.monotonic() + TRUST_FOR, principal)


def forget_keys() -> None:
    """Verify every key again on its next use: after a revoke or a change of a user."""
    _trusted.clear()


#: The operator at the command line: may create any key.
ROOT = Principal(key_id="cli", name="crm command line", scopes=frozenset({Scope.admin}), store_id=None)


def hash_key(secret: str, key: str) -> str:
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def bound_store(creator: Principal, body: ApiKeyCreate) -> str | None:
    """The store and scopes a creator may give a new key: never wider than its own."""
    store = body.store_id
    if body.user_id is not None and (creator.store_id is not None or creator.user_id is not None):
        raise StoreNotAllowed("only an unrestricted admin key binds keys to users")
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
    if body.user_id is not None:
        store = await _user_store(session, body)
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
        user_id=body.user_id,
        created_at=now,
    )
    await repo.add(session, row)
    shown = ApiKeyPublic.model_validate(row, from_attributes=True)
    await audit.record(session, creator, "api_key", row.id, "create", None, _audited(shown), now)
    return ApiKeyCreated(**shown.model_dump(), key=key)


async def _user_store(session: AsyncSession, body: ApiKeyCreate) -> str | None:
    """A user-bound key takes its user's store; its scopes must lie within the user's role."""
    user = await users_repo.get(session, body.user_id or "")
    if user is None:
        raise InvalidInput.at("user_id", "names no user")
    if not user.active:
        raise InvalidInput.at("user_id", "names an inactive user")
    beyond = grantable(user.role, frozenset(s.value for s in body.scopes))
    if beyond:
        raise ScopeNotAllowed(f"a {user.role} may not hold {', '.join(sorted(beyond))}")
    if body.store_id is not None and body.store_id != user.store_id:
        raise StoreNotAllowed(f"user {user.id} works at {user.store_id}; its keys get that store")
    return user.store_id if needs_store(user.role) else None


def _audited(key: ApiKeyPublic) -> dict[str, object]:
    """What the audit log keeps of a key: never its secret or hash."""
    return key.model_dump(
        mode="json", include={"name", "prefix", "scopes", "store_id", "user_id", "revoked_at"}
    )


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
        forget_keys()
        await audit.record(
            session, principal, "api_key", key.id, "revoke", {"revoked_at": None}, {"revoked_at": now}, now
        )
    return ApiKeyPublic.model_validate(key, from_attributes=True)


async def authenticate(
    session: AsyncSession, secret: str, raw_key: str, now: datetime
) -> tuple[Principal, bool]:
    """The principal of a bearer key, and whether its last use was written now.

    The worker then trusts it for `TRUST_FOR` (see `trusted`); its last use is written at
    most once per `TOUCH_EVERY`, on one of these lookups.
    """
    if not raw_key.startswith(KEY_PREFIX):
        raise Unauthorized("the API key is not valid")
    key_hash = hash_key(secret, raw_key)
    key = await repo.get_by_hash(session, key_hash)
    if key is None or key.revoked_at is not None:
        raise Unauthorized("the API key is not valid or was revoked")
    principal = Principal(key.id, key.name, frozenset(key.scopes), key.store_id)
    if key.user_id is not None:
        principal = await _as_user(session, principal, key.user_id)
    touched = key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY
    if touched:
        await repo.touch(session, key.id, now, now - TOUCH_EVERY)
    _trust(key_hash, principal)
    return principal, touched


async def _as_user(session: AsyncSession, key: Principal, user_id: str) -> Principal:
    """A user-bound key acts with the user's current role and store; an inactive user's keys stop."""
    user = await users_repo.get(session, user_id)
    if user is None or not user.active:
        raise Unauthorized("the API key's user is inactive")
    return Principal(
        key.key_id,
        key.name,
        effective_scopes(user.role, key.scopes),
        user.store_id if needs_store(user.role) else None,
        user_id=user.id,
        rep=user.rep_code if user.role == "staff" else None,
    )
