"""Webhook endpoints (admin): register, change, rotate the secret, read the delivery log, redeliver.

Every change bumps the subscription version in its transaction so each process's cache of
subscribed event types (`services.integration.events`) reloads before its next posting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import NotFound
from app.models.base import new_id
from app.models.integration.webhooks import (
    DeliveryPage,
    DeliveryPublic,
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookEndpoint,
    WebhookPage,
    WebhookPublic,
    WebhookUpdate,
)
from app.repositories.integration import webhooks as repo
from app.services.integration import events
from app.services.integration.signing import new_secret
from app.services.pagination import decode_cursor, encode_cursor

#: How long a rotated-out secret keeps signing beside the new one.
ROTATION_OVERLAP = timedelta(hours=24)


def _public(endpoint: WebhookEndpoint) -> WebhookPublic:
    return WebhookPublic.model_validate(endpoint, from_attributes=True)


async def _changed(session: AsyncSession) -> None:
    await session.flush()
    await repo.bump_version(session)
    events.forget(session)


async def _endpoint(session: AsyncSession, endpoint_id: str) -> WebhookEndpoint:
    endpoint = await repo.get_endpoint(session, endpoint_id)
    if endpoint is None:
        raise NotFound(f"no webhook {endpoint_id}")
    return endpoint


async def create_webhook(session: AsyncSession, body: WebhookCreate, now: datetime) -> WebhookCreated:
    """A new endpoint; its `secret` appears only in this answer."""
    endpoint = WebhookEndpoint(
        id=new_id("wh"),
        url=body.url,
        events=sorted({t.value for t in body.events}),
        secret=new_secret(),
        enabled=body.enabled,
        created_at=now,
        updated_at=now,
    )
    await repo.add_endpoint(session, endpoint)
    await _changed(session)
    return WebhookCreated(**_public(endpoint).model_dump(), secret=endpoint.secret)


async def list_webhooks(session: AsyncSession, limit: int, cursor: str | None) -> WebhookPage:
    found = await repo.page_endpoints(session, limit + 1, decode_cursor(cursor))
    items = [_public(w) for w in found[:limit]]
    more = len(found) > limit
    return WebhookPage(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)


async def get_webhook(session: AsyncSession, endpoint_id: str) -> WebhookPublic:
    return _public(await _endpoint(session, endpoint_id))


async def update_webhook(
    session: AsyncSession, endpoint_id: str, body: WebhookUpdate, now: datetime
) -> WebhookPublic:
    """Change url, events or enabled; enabling again clears the failure count and resumes its deliveries."""
    endpoint = await _endpoint(session, endpoint_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "url" in changes:
        endpoint.url = changes["url"]
    if "events" in changes:
        endpoint.events = sorted({t.value for t in body.events or []})
    if changes.get("enabled") is True and not endpoint.enabled:
        endpoint.consecutive_failures = 0
        endpoint.disabled_reason = None
    if "enabled" in changes:
        endpoint.enabled = changes["enabled"]
    endpoint.updated_at = now
    await _changed(session)
    return _public(endpoint)


async def delete_webhook(session: AsyncSession, endpoint_id: str) -> None:
    """Remove the endpoint and its delivery log; events already written stay in the outbox."""
    await repo.delete_endpoint(session, await _endpoint(session, endpoint_id))
    await _changed(session)


async def rotate_secret(session: AsyncSession, endpoint_id: str, now: datetime) -> WebhookCreated:
    """A new secret, shown once; the current one keeps signing beside it for `ROTATION_OVERLAP`."""
    endpoint = await _endpoint(session, endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = new_secret()
    endpoint.updated_at = now
    await _changed(session)
    return WebhookCreated(**_public(endpoint).model_dump(), secret=endpoint.secret)


async def list_deliveries(
    session: AsyncSession, endpoint_id: str, limit: int, cursor: str | None
) -> DeliveryPage:
    """The endpoint's deliveries, newest first, each with its last attempt's outcome."""
    await _endpoint(session, endpoint_id)
    found = await repo.page_deliveries(session, endpoint_id, limit + 1, decode_cursor(cursor))
    items = [DeliveryPublic.model_validate(x, from_attributes=True) for x in found[:limit]]
    more = len(found) > limit
    return DeliveryPage(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)


async def redeliver(
    session: AsyncSession, endpoint_id: str, delivery_id: str, now: datetime
) -> DeliveryPublic:
    """Send the event again (same `webhook-id`) at the worker's next pass, whatever its outcome so far."""
    delivery = await repo.get_delivery(session, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint_id:
        raise NotFound(f"no delivery {delivery_id} of webhook {endpoint_id}")
    delivery.status = DeliveryStatus.pending.value
    delivery.next_attempt_at = now
    await session.flush()
    return DeliveryPublic.model_validate(delivery, from_attributes=True)
