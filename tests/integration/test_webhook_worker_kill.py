"""At least once: a `crm worker` killed between the commit and the delivery loses no event."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from app.models.base import utcnow
from tests.conftest import SECRET, make_key
from tests.helpers import line, new_member, purchase
from tests.receiver import Receiver, start, verify

ROOT = Path(__file__).parents[2]


def _env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "CRM_DATABASE_URL": database_url,
        "CRM_SECRET_KEY": SECRET,
        "CRM_WEBHOOK_TIMEOUT_SECONDS": "20",  # the worker waits on the receiver until it is killed
        "CRM_WORKER_POLL_SECONDS": "0.1",
    }


def _worker(database_url: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "app.cli", "worker"]
    return subprocess.Popen(
        command, env=_env(database_url), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _worker_once(database_url: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "app.cli", "worker", "--once"]
    return subprocess.run(
        command, env=_env(database_url), cwd=ROOT, capture_output=True, text=True, timeout=120
    )


async def test_a_killed_worker_delivers_after_restart_with_the_same_id(
    app: FastAPI, client: httpx.AsyncClient, migrated: str
) -> None:
    receiver = Receiver(mode="block")
    server = start(receiver)
    try:
        admin = await make_key(app)
        r = await client.post(
            "/v1/webhooks", json={"url": receiver.url, "events": ["transaction.posted"]}, headers=admin
        )
        hook = r.json()
        member = await new_member(client, admin)
        posted = await client.post(
            "/v1/transactions", json=purchase(member["id"], line("maintenance", "50")), headers=admin
        )
        assert posted.status_code == 201  # committed; nothing delivered yet

        worker = _worker(migrated)
        try:
            assert await asyncio.to_thread(receiver.arrived.wait, 30), (
                "the worker never attempted the delivery"
            )
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        receiver.release.set()  # the answer goes nowhere: the worker is gone
        receiver.mode = "ok"
        deliveries = f"/v1/webhooks/{hook['id']}/deliveries"
        [leased] = (await client.get(deliveries, headers=admin)).json()["items"]
        assert (leased["status"], leased["attempts"]) == ("pending", 0)

        async def lease_runs_out(session: Any) -> None:
            await session.execute(text("UPDATE webhook_delivery SET next_attempt_at = :t"), {"t": utcnow()})

        await app.state.db.run(lease_runs_out)
        restarted = _worker_once(migrated)
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        before, after = receiver.received  # once before the kill, once after the restart
        assert before.headers["webhook-id"] == after.headers["webhook-id"]
        assert verify(hook["secret"], after.headers, after.body)
        assert after.payload["data"]["id"] == posted.json()["id"]
        [done] = (await client.get(deliveries, headers=admin)).json()["items"]
        assert (done["status"], done["attempts"], done["event_id"]) == (
            "succeeded",
            1,
            before.headers["webhook-id"],
        )
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
