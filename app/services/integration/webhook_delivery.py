"""Delivering the outbox (the worker's side): fan events out, send them signed, record the outcome.

At least once: a delivery is leased by moving its `next_attempt_at` past the send timeout
before it is sent, and only marked done after the receiver answered 2xx, so a worker killed
in between leaves it due again once the lease runs out; the event id (`webhook-id`) is the
same on every attempt, for the receiver to deduplicate. Failures are retried with
exponential backoff and full jitter; after `disable_after` consecutive failures of an
endpoint it is disabled and a `webhook.disabled` alert raised.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import new_id
from app.models.finance.alerts import AlertKind, CauseType, Severity
from app.models.integration.webhooks import DeliveryStatus, WebhookEndpoint
from app.repositories.integration import webhooks as repo
from app.services.finance.alerts import AlertCause, raise_alert
from app.services.integration import events

FAN_OUT_BATCH = 200
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_CAP = timedelta(hours=1)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: uniform in [base, min(cap, base · 2^attempts)]."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (1 << min(attempts, 20)))
    jitter: float = (rng or random).random()
    return BACKOFF_BASE + (ceiling - BACKOFF_BASE) * jitter


async def fan_out(session: AsyncSession, now: datetime) -> int:
    """One delivery per event and subscribed enabled endpoint; the events marked dispatched."""
    found = await repo.undispatched(session, FAN_OUT_BATCH)
    if not found:
        return 0
    endpoints = await repo.enabled_endpoints(session)
    rows: list[dict[str, Any]] = [
        {
            "id": new_id("whd"),
            "endpoint_id": ep.id,
            "event_id": event.id,
            "event_type": event.type,
            "status": DeliveryStatus.pending.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for event in found
        for ep in endpoints
        if event.type in ep.events
    ]
    await repo.insert_deliveries(session, rows)
    await repo.mark_dispatched(session, [e.id for e in found], now)
    return len(found)


async def claim(session: AsyncSession, now: datetime, lease: timedelta, limit: int) -> list[dict[str, Any]]:
    """Due deliveries with their event and endpoint, leased until `now + lease`."""
    return await repo.claim_due(session, now, now + lease, limit)


def secrets_in_force(claimed: dict[str, Any], now: datetime) -> list[str]:
    """The current secret, and the rotated-out one while its overlap window lasts."""
    in_force = [claimed["secret"]]
    expires = claimed["previous_secret_expires_at"]
    if claimed["previous_secret"] and expires is not None and expires > now:
        in_force.append(claimed["previous_secret"])
    return in_force


async def record(
    session: AsyncSession, claimed: dict[str, Any], outcome: Outcome, now: datetime, disable_after: int
) -> None:
    """Store an attempt's outcome; schedule the retry or disable the endpoint after too many failures."""
    attempts = claimed["attempts"] + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:500] if outcome.error else None,
        "last_duration_ms": outcome.duration_ms,
    }
    if outcome.ok:
        values |= {"status": DeliveryStatus.succeeded.value, "next_attempt_at": None, "delivered_at": now}
    else:
        values["next_attempt_at"] = now + backoff(attempts)
    await repo.update_delivery(session, claimed["id"], values)
    failures = await repo.record_endpoint_result(session, claimed["endpoint_id"], outcome.ok)
    if failures >= disable_after:
        await _disable(session, claimed["endpoint_id"], failures, now)


async def _disable(session: AsyncSession, endpoint_id: str, failures: int, now: datetime) -> None:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not endpoint.enabled:
        return
    endpoint.enabled = False
    endpoint.disabled_reason = f"{failures} consecutive failed deliveries"
    endpoint.updated_at = now
    await session.flush()
    await repo.bump_version(session)
    events.forget(session)
    await raise_alert(
        session,
        AlertKind.webhook_disabled,
        Severity.warning,
        AlertCause(CauseType.webhook, endpoint_id),
        {"consecutive_failures": failures, "url": endpoint.url},
        f"webhook.disabled:{endpoint_id}:{now.isoformat()}",
        now=now,
        message=f"webhook {endpoint_id} disabled after {failures} consecutive failed deliveries",
    )
