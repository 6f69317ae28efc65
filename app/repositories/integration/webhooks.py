"""Webhook endpoints, the outbox and deliveries: the only place that queries them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.integration.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.repositories import tables

e = tables.webhook_endpoint
ev = tables.webhook_event
d = tables.webhook_delivery
st = tables.webhook_state

_version = select(st.c.version).where(st.c.id == 1)
_insert_event = ev.insert()


async def version(session: AsyncSession) -> int:
    return (await session.execute(_version)).scalar_one_or_none() or 0


async def bump_version(session: AsyncSession) -> None:
    """Every change of an endpoint moves the version (one row, seeded by the migration)."""
    await session.execute(update(st).where(st.c.id == 1).values(version=st.c.version + 1))


async def subscribed_types(session: AsyncSession) -> set[str]:
    rows = await session.execute(select(e.c.events).where(e.c.enabled.is_(True)))
    return {t for (events,) in rows for t in events}


async def insert_event(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(_insert_event, values)


async def add_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    session.add(endpoint)
    await session.flush()


async def get_endpoint(session: AsyncSession, endpoint_id: str) -> WebhookEndpoint | None:
    return await session.get(WebhookEndpoint, endpoint_id)


async def delete_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    await session.execute(d.delete().where(d.c.endpoint_id == endpoint.id))
    await session.delete(endpoint)
    await session.flush()


async def page_endpoints(
    session: AsyncSession, limit: int, before_id: str | None
) -> Sequence[WebhookEndpoint]:
    query = select(WebhookEndpoint).order_by(e.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(e.c.id < before_id)
    return (await session.execute(query)).scalars().all()


async def page_deliveries(
    session: AsyncSession, endpoint_id: str, limit: int, before_id: str | None
) -> Sequence[WebhookDelivery]:
    query = select(WebhookDelivery).where(d.c.endpoint_id == endpoint_id).order_by(d.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(d.c.id < before_id)
    return (await session.execute(query)).scalars().all()


async def get_delivery(session: AsyncSession, delivery_id: str) -> WebhookDelivery | None:
    return await session.get(WebhookDelivery, delivery_id)


async def undispatched(session: AsyncSession, limit: int) -> Sequence[WebhookEvent]:
    """The oldest events not yet fanned out; another worker skips the ones locked here."""
    query = (
        select(WebhookEvent)
        .where(ev.c.dispatched_at.is_(None))
        .order_by(ev.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).scalars().all()


async def enabled_endpoints(session: AsyncSession) -> Sequence[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(e.c.enabled.is_(True))
    return (await session.execute(query)).scalars().all()


async def insert_deliveries(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(d.insert(), rows)


async def mark_dispatched(session: AsyncSession, event_ids: list[str], now: datetime) -> None:
    await session.execute(update(ev).where(ev.c.id.in_(event_ids)).values(dispatched_at=now))


async def claim_due(
    session: AsyncSession, now: datetime, lease_until: datetime, limit: int
) -> list[dict[str, Any]]:
    """Lease due deliveries of enabled endpoints by moving `next_attempt_at` to the lease's end:
    a worker that dies mid-delivery leaves them due again once the lease runs out."""
    due = and_(
        d.c.status == DeliveryStatus.pending.value,
        d.c.next_attempt_at <= now,
        e.c.enabled.is_(True),
    )
    pick = (
        select(d.c.id)
        .join(e, e.c.id == d.c.endpoint_id)
        .where(due)
        .order_by(d.c.next_attempt_at)
        .limit(limit)
        .with_for_update(of=d, skip_locked=True)
    )
    ids = list((await session.execute(pick)).scalars())
    if not ids:
        return []
    await session.execute(update(d).where(d.c.id.in_(ids)).values(next_attempt_at=lease_until))
    rows = await session.execute(
        select(
            d.c.id,
            d.c.attempts,
            d.c.endpoint_id,
            e.c.url,
            e.c.secret,
            e.c.previous_secret,
            e.c.previous_secret_expires_at,
            ev.c.id.label("event_id"),
            ev.c.type,
            ev.c.data,
            ev.c.created_at,
        )
        .join(e, e.c.id == d.c.endpoint_id)
        .join(ev, ev.c.id == d.c.event_id)
        .where(d.c.id.in_(ids))
    )
    return [dict(r._mapping) for r in rows]


async def update_delivery(session: AsyncSession, delivery_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(d).where(d.c.id == delivery_id).values(**values))


async def record_endpoint_result(session: AsyncSession, endpoint_id: str, ok: bool) -> int:
    """Reset or count the endpoint's consecutive failures; the count after."""
    count = 0 if ok else e.c.consecutive_failures + 1
    stmt = (
        update(e)
        .where(e.c.id == bindparam("eid"))
        .values(consecutive_failures=count)
        .returning(e.c.consecutive_failures)
    )
    count_after = (await session.execute(stmt, {"eid": endpoint_id})).scalar_one_or_none()
    return int(count_after or 0)  # 0 too when the endpoint was deleted while it was being sent to
