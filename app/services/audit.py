"""The one way writes are audited: `record` appends who changed what, field by field.

Services call it inside the use case, so the event commits with the write or not at all.
Values are stored as JSON (decimals and times as text); secret-bearing fields are dropped
whatever the caller passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import InvalidInput
from app.models.audit import AuditEventPublic, AuditPage
from app.models.base import new_id
from app.repositories import audit as repo
from app.repositories.audit import AuditFilters
from app.services.pagination import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from app.services.integration.api_keys import Principal

SECRETS = frozenset({"key", "key_hash", "token", "token_hash", "secret", "password"})


class Actor(Protocol):
    """Who acts: a key, and the staff user it is bound to (if any)."""

    @property
    def key_id(self) -> str: ...
    @property
    def user_id(self) -> str | None: ...


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Each field whose value differs, as `{field, old, new}`, in field order; secrets never."""
    old, new = to_jsonable_python(dict(before or {})), to_jsonable_python(dict(after or {}))
    fields = [*old, *(f for f in new if f not in old)]
    return [
        {"field": f, "old": old.get(f), "new": new.get(f)}
        for f in fields
        if f not in SECRETS and old.get(f) != new.get(f)
    ]


async def record(
    session: AsyncSession,
    actor: Actor | None,
    object_type: str,
    object_id: str,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    now: datetime,
) -> None:
    """Append the event of one write (nothing when an update changed nothing)."""
    changed = changes(before, after)
    if not changed and action == "update":
        return
    await repo.append(
        session,
        {
            "id": new_id("aud"),
            "at": now,
            "api_key_id": actor.key_id if actor else None,
            "user_id": actor.user_id if actor else None,
            "object_type": object_type,
            "object_id": object_id,
            "action": action,
            "changes": changed,
        },
    )


async def list_events(
    session: AsyncSession, filters: AuditFilters, limit: int, cursor: str | None
) -> AuditPage:
    """Events newest first; `since` inclusive, `until` exclusive."""
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput.at("since", "must not be after `until`")
    found = await repo.page(session, filters, limit + 1, decode_cursor(cursor, "aud"))
    page = found[:limit]
    return AuditPage(
        items=[AuditEventPublic.model_validate(e, from_attributes=True) for e in page],
        next_cursor=encode_cursor(page[-1].id) if len(found) > limit else None,
    )


async def member_history(
    session: AsyncSession, principal: Principal, customer_id: str, limit: int, cursor: str | None
) -> AuditPage:
    """A live member's changes, newest first; a member the caller does not see is 404."""
    from app.services.crm.members import seen_member

    await seen_member(session, principal, customer_id)
    return await list_events(session, AuditFilters("customer", customer_id), limit, cursor)
