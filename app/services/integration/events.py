"""The outbox: an event is one insert in the transaction of the change it reports.

Posting must stay fast, so an event type no enabled endpoint subscribes to is not written at
all. The subscribed types are cached per process and reloaded only when `webhook_state.version`
has moved (every endpoint change bumps it in its transaction); the version is read once per
transaction (kept in `session.info` against the transaction object), so a purchase with
several events pays one small read.
The worker fans events out to endpoints and delivers them (`webhook_delivery`), never the
request that made the change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import new_id
from app.models.integration.webhooks import EventType
from app.repositories.integration import webhooks as repo

_cache: dict[str, Any] = {"version": -1, "types": frozenset()}
_SESSION_KEY = "webhook_subscriptions"


async def subscribed(session: AsyncSession) -> frozenset[str]:
    """Event types some enabled endpoint wants, as of this transaction."""
    transaction = session.sync_session.get_transaction()
    held = session.info.get(_SESSION_KEY)
    if held is not None and held[0] is transaction:
        return held[1]  # type: ignore[no-any-return]
    version = await repo.version(session)
    if version != _cache["version"]:
        _cache["types"] = frozenset(await repo.subscribed_types(session))
        _cache["version"] = version
    types: frozenset[str] = _cache["types"]
    session.info[_SESSION_KEY] = (transaction, types)
    return types


def subscribed_at(version: int) -> frozenset[str] | None:
    """The subscriptions this process holds, if they are those of `version` (the raw posting
    path reads the version with the member and lets the ordinary path reload them)."""
    types: frozenset[str] = _cache["types"]
    return types if _cache["version"] == version else None


def forget(session: AsyncSession) -> None:
    """After an endpoint change in this transaction: read the subscriptions again."""
    session.info.pop(_SESSION_KEY, None)


async def emit(session: AsyncSession, event_type: EventType, data: dict[str, Any], now: datetime) -> None:
    """Write `event_type` to the outbox unless nobody subscribes to it; `data` is JSON values."""
    if event_type.value not in await subscribed(session):
        return
    values = {"id": new_id("msg"), "type": event_type.value, "data": data, "created_at": now}
    await repo.insert_event(session, values)
