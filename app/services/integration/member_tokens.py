"""Member tokens: a mobile app's short-lived bearer token that reads one member only.

Issued by an integration key that may read the member (so a token never reads more than
its issuer could); stored as an HMAC like keys; refused once expired, revoked, or when
the issuing key is revoked.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import NotFound, Unauthorized
from app.models.base import new_id
from app.models.integration.member_tokens import (
    MemberTokenCreate,
    MemberTokenCreated,
    MemberTokenPage,
    MemberTokenPublic,
)
from app.repositories.integration import member_tokens as repo
from app.repositories.loyalty import customers as customers_repo
from app.services.integration.api_keys import Principal, hash_key
from app.services.loyalty.access import check_sees
from app.services.pagination import decode_cursor, encode_cursor

TOKEN_PREFIX = "mt_"  # noqa: S105 (a public prefix, not a secret)


async def _member(session: AsyncSession, principal: Principal, customer_id: str) -> None:
    member = await customers_repo.get(session, customer_id)
    if member is None:
        raise NotFound(f"no member {customer_id}")
    await check_sees(session, principal, member)


async def issue_token(
    session: AsyncSession,
    secret: str,
    principal: Principal,
    customer_id: str,
    body: MemberTokenCreate,
    now: datetime,
) -> MemberTokenCreated:
    """A new token for one member; `token` is shown only in this response."""
    await _member(session, principal, customer_id)
    public = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{public}_{secrets.token_urlsafe(32)}"
    values = {
        "id": new_id("mtk"),
        "customer_id": customer_id,
        "api_key_id": principal.key_id,
        "prefix": f"{TOKEN_PREFIX}{public}",
        "token_hash": hash_key(secret, token),
        "created_at": now,
        "expires_at": now + timedelta(seconds=body.expires_in),
        "revoked_at": None,
    }
    await repo.insert(session, values)
    return MemberTokenCreated.model_validate({**values, "token": token})


async def list_tokens(
    session: AsyncSession, principal: Principal, customer_id: str, limit: int, cursor: str | None
) -> MemberTokenPage:
    """The member's tokens, newest first, live or not; never the tokens themselves."""
    await _member(session, principal, customer_id)
    found = await repo.page(session, customer_id, limit + 1, decode_cursor(cursor, "mtk"))
    items = [MemberTokenPublic.model_validate(t, from_attributes=True) for t in found[:limit]]
    more = len(found) > limit
    return MemberTokenPage(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)


async def revoke_token(
    session: AsyncSession, principal: Principal, customer_id: str, token_id: str, now: datetime
) -> MemberTokenPublic:
    """End a token now (an app's sign-out, a lost phone)."""
    await _member(session, principal, customer_id)
    found = await repo.get(session, customer_id, token_id)
    if found is None:
        raise NotFound(f"no token {token_id}")
    if found.revoked_at is None:
        await repo.revoke(session, token_id, now)
        found.revoked_at = now
    return MemberTokenPublic.model_validate(found, from_attributes=True)


async def authenticate_token(session: AsyncSession, secret: str, raw: str, now: datetime) -> Principal:
    """The principal of a member token: no scopes, one member."""
    found = await repo.get_by_hash(session, hash_key(secret, raw))
    if found is None:
        raise Unauthorized("the member token is not valid")
    token, issuer_live = found
    if token.revoked_at is not None or not issuer_live:
        raise Unauthorized("the member token was revoked")
    if token.expires_at <= now:
        raise Unauthorized("the member token has expired")
    return Principal(token.id, "member token", frozenset(), None, customer_id=token.customer_id)
