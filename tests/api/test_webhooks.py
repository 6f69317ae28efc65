"""Webhooks: events in the outbox with the change, signed deliveries to a real loopback receiver,
retries, rotation overlap, disabling after repeated failure; posting never waits for a receiver."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.models.base import utcnow
from app.settings import Settings
from app.worker.runner import Worker
from tests.helpers import line, new_member, post, purchase
from tests.receiver import Receiver, start, verify


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    server = start(r)
    yield r
    r.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
async def worker(app: FastAPI) -> AsyncIterator[Worker]:
    w = Worker(
        app.state.db, Settings(worker_in_serve=False, webhook_timeout_seconds=2, webhook_disable_after=3)
    )
    yield w
    await w.webhooks.close()


async def _hook(client: httpx.AsyncClient, admin: dict[str, str], url: str, *events: str) -> dict[str, Any]:
    r = await client.post("/v1/webhooks", json={"url": url, "events": list(events)}, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def _buy(
    client: httpx.AsyncClient, admin: dict[str, str], member: str, amount: str = "100"
) -> dict[str, Any]:
    r = await post(client, admin, purchase(member, line("maintenance", amount)))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def _count(app: FastAPI, sql: str) -> int:
    async def run(session: Any) -> int:
        return int((await session.execute(text(sql))).scalar_one())

    return await app.state.db.run(run)  # type: ignore[no-any-return]


async def test_a_purchase_is_delivered_signed(
    client: httpx.AsyncClient, admin: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    hook = await _hook(client, admin, receiver.url, "transaction.posted", "tier.changed")
    assert hook["secret"].startswith("whsec_")
    listed = (await client.get("/v1/webhooks", headers=admin)).json()
    assert [h["id"] for h in listed["items"]] == [hook["id"]] and "secret" not in listed["items"][0]
    member = await new_member(client, admin)
    bought = await _buy(client, admin, member["id"])
    assert receiver.received == []  # never inside the request
    assert await worker.webhooks.deliver() == 1
    [got] = receiver.received
    assert verify(hook["secret"], got.headers, got.body)
    assert not verify("whsec_" + "A" * 32, got.headers, got.body)
    assert got.payload["type"] == "transaction.posted"
    assert got.payload["data"]["id"] == bought["id"] and got.payload["data"]["points"] == bought["points"]
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 60
    [delivery] = (await client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=admin)).json()["items"]
    assert delivery["event_id"] == got.headers["webhook-id"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("succeeded", 1, 204)


async def test_no_subscriber_writes_no_event(
    client: httpx.AsyncClient, admin: dict[str, str], app: FastAPI, receiver: Receiver
) -> None:
    member = await new_member(client, admin)
    await _buy(client, admin, member["id"])
    assert await _count(app, "SELECT count(*) FROM webhook_event") == 0
    hook = await _hook(client, admin, receiver.url, "points.adjusted")
    await _buy(client, admin, member["id"])
    assert await _count(app, "SELECT count(*) FROM webhook_event") == 0
    adjust = {"points": "5", "reason": "goodwill"}
    r = await client.post(f"/v1/customers/{member['id']}/points/adjustments", json=adjust, headers=admin)
    assert r.status_code == 201, r.text
    assert await _count(app, "SELECT count(*) FROM webhook_event WHERE type = 'points.adjusted'") == 1
    await client.patch(f"/v1/webhooks/{hook['id']}", json={"enabled": False}, headers=admin)
    r = await client.post(f"/v1/customers/{member['id']}/points/adjustments", json=adjust, headers=admin)
    assert await _count(app, "SELECT count(*) FROM webhook_event") == 1  # the cache saw the change


async def test_a_stuck_receiver_never_slows_posting(
    client: httpx.AsyncClient, admin: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    receiver.mode = "block"
    hook = await _hook(client, admin, receiver.url, "transaction.posted")
    member = await new_member(client, admin)
    await _buy(client, admin, member["id"])
    sending = asyncio.create_task(worker.webhooks.deliver())
    assert await asyncio.to_thread(receiver.arrived.wait, 10)
    started = time.perf_counter()
    await _buy(client, admin, member["id"])
    assert time.perf_counter() - started < 1.0
    assert not receiver.release.is_set() and not sending.done()  # the receiver is still holding
    await sending  # the worker's own timeout (2 s) ends the attempt
    receiver.release.set()
    items = (await client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=admin)).json()["items"]
    assert [(d["attempts"], d["status"]) for d in items] == [(1, "pending")]
    assert "Timeout" in items[0]["last_error"]


@pytest.mark.parametrize("mode", ["fail", "block", "drop"])
async def test_failures_are_retried_with_the_same_id(
    client: httpx.AsyncClient, admin: dict[str, str], receiver: Receiver, worker: Worker, mode: str
) -> None:
    receiver.mode = mode
    hook = await _hook(client, admin, receiver.url, "transaction.posted")
    member = await new_member(client, admin)
    await _buy(client, admin, member["id"])
    await worker.webhooks.deliver()
    receiver.release.set()
    deliveries = f"/v1/webhooks/{hook['id']}/deliveries"
    [failed] = (await client.get(deliveries, headers=admin)).json()["items"]
    assert failed["status"] == "pending" and failed["attempts"] == 1
    assert failed["last_status_code"] == (500 if mode == "fail" else None) and failed["last_error"]
    retry_at = failed["next_attempt_at"]
    assert retry_at > (utcnow() + timedelta(seconds=4)).isoformat().replace("+00:00", "Z")
    assert await worker.webhooks.deliver() == 0  # not due yet: backoff
    receiver.mode = "ok"
    r = await client.post(f"{deliveries}/{failed['id']}/redeliver", headers=admin)
    assert r.status_code == 200, r.text
    assert await worker.webhooks.deliver() == 1
    [done] = (await client.get(deliveries, headers=admin)).json()["items"]
    assert (done["status"], done["attempts"]) == ("succeeded", 2)
    first, second = receiver.received[0], receiver.received[-1]
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == done["event_id"]
    assert first.body == second.body and verify(hook["secret"], second.headers, second.body)


async def test_rotation_signs_with_both_secrets_during_the_overlap(
    client: httpx.AsyncClient, admin: dict[str, str], app: FastAPI, receiver: Receiver, worker: Worker
) -> None:
    hook = await _hook(client, admin, receiver.url, "transaction.posted")
    member = await new_member(client, admin)
    r = await client.post(f"/v1/webhooks/{hook['id']}/rotate-secret", headers=admin)
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert rotated["secret"] != hook["secret"] and rotated["previous_secret_expires_at"]
    await _buy(client, admin, member["id"])
    await worker.webhooks.deliver()
    got = receiver.received[-1]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert verify(hook["secret"], got.headers, got.body) and verify(rotated["secret"], got.headers, got.body)

    async def expire(session: Any) -> None:
        past = utcnow() - timedelta(seconds=1)
        await session.execute(
            text("UPDATE webhook_endpoint SET previous_secret_expires_at = :p"), {"p": past}
        )

    await app.state.db.run(expire)
    await _buy(client, admin, member["id"])
    await worker.webhooks.deliver()
    got = receiver.received[-1]
    assert verify(rotated["secret"], got.headers, got.body) and not verify(
        hook["secret"], got.headers, got.body
    )


async def test_repeated_failure_disables_the_endpoint_and_raises_an_alert(
    client: httpx.AsyncClient, admin: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    receiver.mode = "fail"
    hook = await _hook(client, admin, receiver.url, "transaction.posted")
    member = await new_member(client, admin)
    for _ in range(3):  # the worker's limit is 3 consecutive failures
        await _buy(client, admin, member["id"])
    assert await worker.webhooks.deliver() == 3
    found = (await client.get(f"/v1/webhooks/{hook['id']}", headers=admin)).json()
    assert found["enabled"] is False and found["consecutive_failures"] == 3 and found["disabled_reason"]
    alerts = (await client.get("/v1/alerts", headers=admin)).json()["items"]
    assert [(a["kind"], a["cause"]["id"]) for a in alerts] == [("webhook.disabled", hook["id"])]
    receiver.mode = "ok"
    r = await client.patch(f"/v1/webhooks/{hook['id']}", json={"enabled": True}, headers=admin)
    assert r.json()["consecutive_failures"] == 0
    for d in (await client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=admin)).json()["items"]:
        await client.post(f"/v1/webhooks/{hook['id']}/deliveries/{d['id']}/redeliver", headers=admin)
    assert await worker.webhooks.deliver() == 3
    assert len(set(receiver.ids())) == 3


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "https://user:pw@example.com/x", "https://", "https://example.com/" + "a" * 2000],
)
async def test_bad_urls_are_refused(client: httpx.AsyncClient, admin: dict[str, str], url: str) -> None:
    r = await client.post("/v1/webhooks", json={"url": url, "events": ["tier.changed"]}, headers=admin)
    assert r.status_code == 422, r.text
    r = await client.post(
        "/v1/webhooks", json={"url": "https://example.com/x", "events": ["nope"]}, headers=admin
    )
    assert r.status_code == 422


async def test_unknown_webhooks_and_deliveries_are_404(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    assert (await client.get("/v1/webhooks/wh_missing", headers=admin)).status_code == 404
    assert (await client.delete("/v1/webhooks/wh_missing", headers=admin)).status_code == 404
    hook = await _hook(client, admin, "https://example.com/x", "tier.changed")
    r = await client.post(f"/v1/webhooks/{hook['id']}/deliveries/whd_x/redeliver", headers=admin)
    assert r.status_code == 404
    assert (await client.delete(f"/v1/webhooks/{hook['id']}", headers=admin)).status_code == 204
    assert (await client.get(f"/v1/webhooks/{hook['id']}", headers=admin)).status_code == 404


async def test_an_endpoint_deleted_mid_delivery_leaves_the_worker_running(
    client: httpx.AsyncClient, admin: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    receiver.mode = "block"
    hook = await _hook(client, admin, receiver.url, "transaction.posted")
    member = await new_member(client, admin)
    await _buy(client, admin, member["id"])
    sending = asyncio.create_task(worker.webhooks.deliver())
    assert await asyncio.to_thread(receiver.arrived.wait, 10)
    assert (await client.delete(f"/v1/webhooks/{hook['id']}", headers=admin)).status_code == 204
    receiver.release.set()
    assert await sending == 1
    assert await worker.webhooks.deliver() == 0
