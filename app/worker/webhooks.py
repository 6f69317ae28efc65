"""Webhook delivery, the worker's part: fan the outbox out, then send due deliveries signed.

Sending happens outside any transaction (a slow receiver holds no lock or connection), with a
short timeout, several deliveries at once so one stuck receiver does not hold up the rest.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

import httpx

from app.db.uow import Database
from app.models.base import utcnow
from app.services.integration import webhook_delivery as service
from app.services.integration.signing import signature_header
from app.settings import Settings


def body_of(claimed: dict[str, Any]) -> bytes:
    """The Standard Webhooks payload: `type`, `timestamp` (of the event) and `data`."""
    payload = {
        "type": claimed["type"],
        "timestamp": claimed["created_at"].isoformat(),
        "data": claimed["data"],
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


class WebhookSender:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        # A delivery in flight is leased past the longest it can take, with room to record it.
        self.lease = timedelta(seconds=2 * settings.webhook_timeout_seconds + 5)
        self._client: httpx.AsyncClient | None = None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def deliver(self) -> int:
        """One pass: fan out new events, send the due deliveries; how many were attempted."""
        while await self.db.run(lambda s: service.fan_out(s, utcnow())):
            pass
        batch = self.settings.webhook_batch
        claimed = await self.db.run(lambda s: service.claim(s, utcnow(), self.lease, batch))
        if not claimed:
            return 0
        await asyncio.gather(*(self._attempt(c) for c in claimed))
        return len(claimed)

    async def _attempt(self, claimed: dict[str, Any]) -> None:
        outcome = await self._send(claimed)
        disable_after = self.settings.webhook_disable_after
        await self.db.run(lambda s: service.record(s, claimed, outcome, utcnow(), disable_after))

    async def _send(self, claimed: dict[str, Any]) -> service.Outcome:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.settings.webhook_timeout_seconds, follow_redirects=False
            )
        body = body_of(claimed)
        now = utcnow()
        stamp = int(now.timestamp())
        headers = {
            "content-type": "application/json",
            "user-agent": "crm-webhooks/1",
            "webhook-id": claimed["event_id"],
            "webhook-timestamp": str(stamp),
            "webhook-signature": signature_header(
                service.secrets_in_force(claimed, now), claimed["event_id"], stamp, body
            ),
        }
        started = time.perf_counter()
        try:
            response = await self._client.post(claimed["url"], content=body, headers=headers)
        except httpx.HTTPError as exc:
            elapsed = int((time.perf_counter() - started) * 1000)
            return service.Outcome(None, f"{type(exc).__name__}: {exc}"[:500], elapsed)
        elapsed = int((time.perf_counter() - started) * 1000)
        error = None if response.is_success else f"HTTP {response.status_code}"
        return service.Outcome(response.status_code, error, elapsed)
