"""Finance through real processes: racing crossings, the whole flow on `crm serve`, a killed worker."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from app.models.base import utcnow
from app.services.finance.liability import check_liability
from tests.conftest import SECRET, _free_port, make_key
from tests.helpers import line, new_member, purchase

ROOT = Path(__file__).parents[2]
BASKET = line("maintenance", "1000.00", "0.35")  # 480.00 points
SETTINGS = {"x_development": "0.8", "x_maintenance": "0.8", "point_value": "1"}


def _env(database_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "CRM_DATABASE_URL": database_url, "CRM_SECRET_KEY": SECRET, **extra}


@contextmanager
def _serve_with_worker(database_url: str, log: Path) -> Iterator[str]:
    """A `crm serve` whose embedded worker runs (checks the liability every second)."""
    port = _free_port()
    env = _env(
        database_url,
        CRM_WORKER_IN_SERVE="true",
        CRM_LIABILITY_CHECK_SECONDS="1",
        CRM_WORKER_POLL_SECONDS="0.2",
    )
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-access-log"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"crm serve did not start:\n{log.read_text()}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _crm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _settings(c: httpx.AsyncClient, warning: str, critical: str, target: str) -> None:
    body = SETTINGS | {
        "liability_warning": warning,
        "liability_critical": critical,
        "liability_target": target,
    }
    r = await c.put("/v1/points/settings", json=body, headers={"If-Match": "*"})
    assert r.status_code == 200, r.text


async def _alerts(c: httpx.AsyncClient, kind: str) -> list[dict[str, Any]]:
    return (await c.get("/v1/alerts", params={"kind": kind})).json()["items"]  # type: ignore[no-any-return]


async def test_concurrent_purchases_crossing_together_raise_one_alert(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    members = [await new_member(client, admin, phase="maintenance") for _ in range(24)]
    async with httpx.AsyncClient(
        base_url=server, headers=admin, timeout=60, limits=httpx.Limits(max_connections=24)
    ) as c:
        await _settings(c, "2000.00", "8000.00", "1000.00")
        assert (await c.post("/v1/transactions", json=purchase(members[0]["id"], BASKET))).status_code == 201
        # 480 held; 23 more purchases at once take it to 11,520: past warning and critical
        responses = await asyncio.gather(
            *(c.post("/v1/transactions", json=purchase(m["id"], BASKET)) for m in members[1:])
        )
        assert [r.status_code for r in responses] == [201] * 23
        await app.state.db.run(lambda s: check_liability(s, utcnow()))  # the worker's periodic check
        assert len(await _alerts(c, "liability.warning")) == 1
        assert len(await _alerts(c, "liability.critical")) == 1
        assert len((await c.get("/v1/settlements")).json()["items"]) == 1


async def test_purchases_around_a_raised_threshold_raise_one_alert(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The threshold moves above a liability already in warning, then many purchases cross it
    at once, each seeing the others' stripes uncommitted: still one alert, never a flapping
    re-arm and raise."""
    admin = await make_key(app)
    members = [await new_member(client, admin, phase="maintenance") for _ in range(41)]
    async with httpx.AsyncClient(
        base_url=server, headers=admin, timeout=60, limits=httpx.Limits(max_connections=40)
    ) as c:
        await _settings(c, "1000.00", "90000.00", "500.00")
        for m in members[:3]:  # 1,440: in warning, one alert
            assert (await c.post("/v1/transactions", json=purchase(m["id"], BASKET))).status_code == 201
        assert len(await _alerts(c, "liability.warning")) == 1
        await _settings(c, "1500.00", "90000.00", "500.00")  # now below it: re-armed at once
        assert (await c.get("/v1/finance/liability")).json()["state"] == "normal"
        responses = await asyncio.gather(
            *(c.post("/v1/transactions", json=purchase(m["id"], BASKET)) for m in members[3:])
        )
        assert [r.status_code for r in responses] == [201] * 38
        assert len(await _alerts(c, "liability.warning")) == 2  # the first, and this crossing


async def test_warning_then_critical_settles_back_to_target_on_a_running_server(
    app: FastAPI, migrated: str, tmp_path: Path
) -> None:
    admin = await make_key(app)
    with _serve_with_worker(migrated, tmp_path / "serve.log") as base:
        async with httpx.AsyncClient(base_url=base, headers=admin, timeout=60) as c:
            await _settings(c, "3000.00", "6000.00", "2000.00")
            members = [
                (await c.post("/v1/customers", json={"name": f"M{i}", "phase": "maintenance"})).json()
                for i in range(6)
            ]
            for m in members[:4]:  # 1,920 … then 3 purchases more: 3,360 crosses the warning
                assert (await c.post("/v1/transactions", json=purchase(m["id"], BASKET))).status_code == 201
            for m in members[:3]:
                assert (await c.post("/v1/transactions", json=purchase(m["id"], BASKET))).status_code == 201
            assert len(await _alerts(c, "liability.warning")) == 1
            assert await _alerts(c, "liability.critical") == []
            for m in members:  # 6,240: crosses critical
                assert (await c.post("/v1/transactions", json=purchase(m["id"], BASKET))).status_code == 201
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                runs = (await c.get("/v1/settlements")).json()["items"]
                if runs and runs[0]["status"] == "completed":
                    break
                await asyncio.sleep(0.3)
            [run] = runs
            assert run["status"] == "completed" and run["trigger"] == "critical", run
            assert Decimal(run["liability_after"]) <= Decimal(run["target"]) == Decimal("2000.00")
            detail = (await c.get(f"/v1/settlements/{run['id']}")).json()
            assert detail["items"] and len({i["customer_id"] for i in detail["items"]}) == len(
                detail["items"]
            )
            for item in detail["items"]:
                ledger = (await c.get(f"/v1/customers/{item['customer_id']}/points/ledger")).json()["items"]
                assert [e["id"] for e in ledger if e["kind"] == "settle"] == [item["ledger_entry_id"]]
                vouchers = (await c.get(f"/v1/customers/{item['customer_id']}/vouchers")).json()["items"]
                assert [(v["code"], v["amount"]) for v in vouchers] == [
                    (item["voucher_code"], item["amount"])
                ]
            assert len(await _alerts(c, "liability.warning")) == 1
            assert len(await _alerts(c, "liability.critical")) == 1
            assert len(await _alerts(c, "settlement.completed")) == 1
            liability = (await c.get("/v1/finance/liability")).json()
            assert Decimal(liability["liability"]) <= Decimal("2000.00") and liability["state"] == "normal"
    verified = _crm("verify", env=_env(migrated))
    assert verified.returncode == 0 and "no drift" in verified.stdout, verified.stdout + verified.stderr


async def test_a_killed_worker_resumes_and_settles_nobody_twice(
    app: FastAPI, client: httpx.AsyncClient, migrated: str
) -> None:
    admin = await make_key(app)
    await _settings_in_process(client, admin)
    members = [await new_member(client, admin, phase="maintenance") for _ in range(5)]
    for i, m in enumerate(members):
        for _ in range(i + 1):
            assert (
                await client.post("/v1/transactions", json=purchase(m["id"], BASKET), headers=admin)
            ).status_code == 201
    run = (await client.post("/v1/settlements", json={"target": "0.01"}, headers=admin)).json()
    killed = _crm("worker", "--once", env=_env(migrated, CRM_WORKER_EXIT_AFTER_ITEMS="2"))
    assert killed.returncode == 17, killed.stdout + killed.stderr
    midway = (await client.get(f"/v1/settlements/{run['id']}", headers=admin)).json()
    assert midway["status"] == "running" and len(midway["items"]) == 2

    async def lease_runs_out(session: Any) -> None:
        await session.execute(text("UPDATE job SET lease_until = :t"), {"t": utcnow()})

    await app.state.db.run(lease_runs_out)
    resumed = _crm("worker", "--once", env=_env(migrated))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    done = (await client.get(f"/v1/settlements/{run['id']}", headers=admin)).json()
    assert done["status"] == "completed" and done["members"] == 5 and done["liability_after"] == "0.00"
    assert sorted(i["customer_id"] for i in done["items"]) == sorted(m["id"] for m in members)
    assert [i["points"] for i in done["items"]] == ["2400.00", "1920.00", "1440.00", "960.00", "480.00"]
    assert "resumed" in [e["step"] for e in done["events"]]
    for m in members:
        ledger = (await client.get(f"/v1/customers/{m['id']}/points/ledger", headers=admin)).json()["items"]
        assert [e["kind"] for e in ledger].count("settle") == 1
    assert _crm("verify", env=_env(migrated)).returncode == 0


async def _settings_in_process(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    body = SETTINGS | {
        "liability_warning": "100000.00",
        "liability_critical": "200000.00",
        "liability_target": "500.00",
    }
    assert (
        await client.put("/v1/points/settings", json=body, headers={**admin, "If-Match": "*"})
    ).status_code == 200


async def test_crm_verify_exits_1_on_drift(app: FastAPI, client: httpx.AsyncClient, migrated: str) -> None:
    admin = await make_key(app)
    m = await new_member(client, admin, phase="maintenance")
    assert (
        await client.post("/v1/transactions", json=purchase(m["id"], BASKET), headers=admin)
    ).status_code == 201

    async def corrupt(session: Any) -> None:
        await session.execute(text("UPDATE customer SET lifetime_points = 1 WHERE id = :id"), {"id": m["id"]})

    await app.state.db.run(corrupt)
    result = _crm("verify", env=_env(migrated))
    assert result.returncode == 1 and f"member {m['id']}: lifetime_points is 0.01" in result.stdout, (
        result.stdout
    )
