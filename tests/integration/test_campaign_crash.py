"""A campaign execution that dies between awards is run again and awards nobody twice.

Once in-process, failing at the service boundary after two committed award batches; once in
a real `crm worker` process that exits abruptly (fault injection) after two batches of a
background execution, then a second worker resumes it once the lease has run out.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.uow import Database
from app.models.base import utcnow
from app.models.marketing.campaigns import CampaignExecute
from app.services.integration.api_keys import ROOT
from app.services.marketing.campaign_execution import execute_campaign
from tests.api.marketing.test_campaigns import create, execute, ledger, schedule
from tests.conftest import SECRET
from tests.helpers import new_member

ROOT_DIR = Path(__file__).resolve().parents[2]
T = TypeVar("T")


class CrashAfter:
    """The database, failing right after its `n`-th committed transaction."""

    def __init__(self, db: Database, n: int) -> None:
        self.db, self.n, self.calls = db, n, 0

    async def run(self, use_case: Callable[[AsyncSession], Awaitable[T]]) -> T:
        result = await self.db.run(use_case)
        self.calls += 1
        if self.calls == self.n:
            raise RuntimeError("the process died here")
        return result


async def _awards(client: httpx.AsyncClient, admin: dict[str, str], ids: list[str], cid: str) -> list[int]:
    return [
        len([e for e in await ledger(client, admin, m) if e["kind"] == "bonus" and e["campaign_id"] == cid])
        for m in ids
    ]


async def _campaign(
    client: httpx.AsyncClient, admin: dict[str, str], rep: str, n: int
) -> tuple[str, list[str]]:
    ids = [(await new_member(client, admin, sales_rep=rep))["id"] for _ in range(n)]
    cid = (await create(client, admin, target={"sales_rep": rep}))["id"]
    await schedule(client, admin, cid)
    return cid, ids


async def test_a_crash_between_awards_then_a_rerun(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    cid, ids = await _campaign(client, admin, "crash", 5)
    crashing = CrashAfter(app.state.db, 3)  # the start, then two batches of one award each
    with pytest.raises(RuntimeError):
        await execute_campaign(
            crashing, ROOT, cid, CampaignExecute(holdout_share="0"), inline_limit=100, batch=1
        )
    midway = (await client.get(f"/v1/campaigns/{cid}", headers=admin)).json()
    assert midway["status"] == "running" and midway["execution_done_at"] is None
    assert midway["progress"]["awarded"] == 2 and midway["progress"]["pending"] == 3
    assert sorted(await _awards(client, admin, ids, cid)) == [0, 0, 0, 1, 1]
    rerun = await execute(client, admin, cid)
    assert rerun.status_code == 200 and rerun.json()["progress"]["awarded"] == 5
    assert await _awards(client, admin, ids, cid) == [1, 1, 1, 1, 1]
    assert (await client.get(f"/v1/campaigns/{cid}", headers=admin)).json()["execution_done_at"] is not None


def _worker(database_url: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CRM_DATABASE_URL": database_url, "CRM_SECRET_KEY": SECRET, **extra}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "worker", "--once"],
        env=env, cwd=ROOT_DIR, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def test_a_background_execution_killed_midway_resumes(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], migrated: str
) -> None:
    cid, ids = await _campaign(client, admin, "bg", 6)
    settings = app.state.settings
    limit, settings.campaign_inline_limit = settings.campaign_inline_limit, 2
    try:
        queued = await execute(client, admin, cid)
    finally:
        settings.campaign_inline_limit = limit
    assert queued.status_code == 202, queued.text
    body = queued.json()
    assert body["background"] is True and body["job_id"] and body["progress"]["pending"] == 6
    killed = _worker(migrated, CRM_WORKER_EXIT_AFTER_ITEMS="2", CRM_CAMPAIGN_BATCH_SIZE="2")
    assert killed.returncode == 17, killed.stdout + killed.stderr
    midway = (await client.get(f"/v1/campaigns/{cid}", headers=admin)).json()
    assert midway["progress"]["awarded"] == 4 and midway["progress"]["pending"] == 2

    async def lease_runs_out(session: Any) -> None:
        await session.execute(text("UPDATE job SET lease_until = :t"), {"t": utcnow()})

    await app.state.db.run(lease_runs_out)
    resumed = _worker(migrated, CRM_CAMPAIGN_BATCH_SIZE="2")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    done = (await client.get(f"/v1/campaigns/{cid}", headers=admin)).json()
    assert done["progress"]["awarded"] == 6 and done["execution_done_at"] is not None
    assert await _awards(client, admin, ids, cid) == [1] * 6
