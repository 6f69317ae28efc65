"""Liability totals, threshold alerts, alerts router, settlements, vouchers, verify, worker jobs."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from app.models.base import utcnow
from app.models.integration.api_keys import Scope
from app.services.finance.liability import check_liability
from app.services.finance.verify import verify
from app.services.jobs import claim, enqueue
from app.settings import Settings
from app.worker.runner import Worker
from tests.conftest import make_key
from tests.helpers import line, new_member, post, purchase, put_current

# One maintenance purchase of 1000.00 at margin 0.35 earns 480.00 points (X = 0.8).
BASKET = line("maintenance", "1000.00", "0.35")
SETTINGS = {
    "x_development": "0.8",
    "x_maintenance": "0.8",
    "point_value": "1",
    "liability_warning": "1000.00",
    "liability_critical": "2000.00",
    "liability_target": "500.00",
}


async def _settings(client: httpx.AsyncClient, admin: dict[str, str], **changes: str) -> None:
    r = await client.put("/v1/points/settings", json=SETTINGS | changes, headers={**admin, "If-Match": "*"})
    assert r.status_code == 200, r.text


async def _buy(client: httpx.AsyncClient, admin: dict[str, str], member_id: str, n: int = 1) -> None:
    for _ in range(n):
        r = await post(client, admin, purchase(member_id, BASKET))
        assert r.status_code == 201, r.text


async def _alerts(client: httpx.AsyncClient, admin: dict[str, str], **params: str) -> list[dict[str, Any]]:
    r = await client.get("/v1/alerts", params=params, headers=admin)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


def _worker(app: FastAPI) -> Worker:
    return Worker(app.state.db, Settings(worker_in_serve=False))


async def test_liability_is_the_sum_of_positive_balances(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _settings(client, admin, liability_warning="100000.00", liability_critical="200000.00")
    a = await new_member(client, admin, phase="maintenance")
    b = await new_member(client, admin, phase="maintenance")
    await _buy(client, admin, a["id"], 2)
    txn = (await post(client, admin, purchase(b["id"], BASKET))).json()
    r = await client.post(
        f"/v1/customers/{b['id']}/points/redemptions", json={"points": "400.00"}, headers=admin
    )
    assert r.status_code == 201
    assert (
        await client.post(f"/v1/transactions/{txn['id']}/refunds", json={}, headers=admin)
    ).status_code == 201
    body = (await client.get("/v1/finance/liability", headers=admin)).json()
    # b: 480 − 400 − 480 = −400, outside the liability but inside the total
    assert body["positive_points"] == "960.00" and body["total_points"] == "560.00"
    assert body["liability"] == "960.00" and body["members_with_balance"] == 1 and body["state"] == "normal"
    assert (body["warning"], body["critical"], body["target"]) == ("100000.00", "200000.00", "500.00")
    reader = await make_key(app, Scope.members_read)
    assert (await client.get("/v1/finance/liability", headers=reader)).status_code == 403
    assert (await app.state.db.run(verify)).drift == []


async def test_thresholds_must_be_ordered(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for bad, field in (
        ({"liability_target": "1500.00"}, "liability_target"),
        ({"liability_target": "0"}, "liability_target"),
        ({"liability_critical": "1000.00"}, "liability_critical"),
    ):
        r = await client.put("/v1/points/settings", json=SETTINGS | bad, headers={**admin, "If-Match": "*"})
        assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], r.text
    await _settings(client, admin, liability_target="1000.00")  # target may equal the warning


async def test_warning_once_per_crossing_and_rearmed_below(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _settings(client, admin)
    m = await new_member(client, admin, phase="maintenance")
    await _buy(client, admin, m["id"], 2)  # 960
    assert await _alerts(client, admin) == []
    await _buy(client, admin, m["id"], 1)  # 1440: crosses the warning
    await _buy(client, admin, m["id"], 1)  # 1920: still warning, nothing new
    warnings = await _alerts(client, admin, kind="liability.warning")
    assert len(warnings) == 1
    alert = warnings[0]
    assert alert["severity"] == "warning" and alert["status"] == "open"
    assert alert["cause"]["type"] == "transaction" and alert["customer_id"] == m["id"]
    assert alert["figures"]["liability"] == "1440.00" and alert["figures"]["warning"] == "1000.00"
    redeem = {"points": "1500.00"}
    assert (
        await client.post(f"/v1/customers/{m['id']}/points/redemptions", json=redeem, headers=admin)
    ).status_code == 201
    assert (await client.get("/v1/finance/liability", headers=admin)).json()["state"] == "normal"
    # a movement never re-arms (concurrent ones would flap); the worker's check does
    assert await app.state.db.run(lambda s: check_liability(s, utcnow())) == "normal"
    await _buy(client, admin, m["id"], 2)  # 420 → 1380: crosses again
    assert len(await _alerts(client, admin, kind="liability.warning")) == 2
    assert await app.state.db.run(lambda s: check_liability(s, utcnow())) == "warning"
    assert len(await _alerts(client, admin, kind="liability.warning")) == 2


async def test_critical_queues_a_settlement_the_worker_runs(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _settings(client, admin)
    r = await put_current(
        client, "/v1/finance/settings", {"settle_min_balance": "100.00", "tier_change_alerts": False}, admin
    )
    assert r.status_code == 200
    big, mid, small = [await new_member(client, admin, phase="maintenance") for _ in range(3)]
    await _buy(client, admin, small["id"], 1)  # 480
    await _buy(client, admin, mid["id"], 2)  # 960
    await _buy(client, admin, big["id"], 2)  # 960 → total 2400: warning and critical at once
    assert len(await _alerts(client, admin, kind="liability.warning")) == 1
    [critical] = await _alerts(client, admin, kind="liability.critical")
    settlement_id = critical["figures"]["settlement_id"]
    queued = (await client.get(f"/v1/settlements/{settlement_id}", headers=admin)).json()
    assert queued["status"] == "queued" and queued["trigger"] == "critical" and queued["items"] == []
    preview = (await client.post("/v1/settlements/preview", json={}, headers=admin)).json()
    assert preview["liability"] == "2400.00" and preview["members"] == 2
    assert {i["customer_id"] for i in preview["items"]} == {big["id"], mid["id"]}
    # the balance changes after the preview: the run settles what is there when it gets there
    await _buy(client, admin, big["id"], 1)  # big 1440
    assert await _worker(app).run_until_idle() == 1
    done = (await client.get(f"/v1/settlements/{settlement_id}", headers=admin)).json()
    assert done["status"] == "completed", done
    assert [(i["customer_id"], i["points"]) for i in done["items"]] == [
        (big["id"], "1440.00"),
        (mid["id"], "960.00"),
    ]
    assert done["amount"] == "2400.00" and done["liability_after"] == "480.00"
    assert [e["step"] for e in done["events"]] == ["queued", "started", "settled", "settled", "completed"]
    liability = (await client.get("/v1/finance/liability", headers=admin)).json()
    assert Decimal(liability["liability"]) <= Decimal(liability["target"]) and liability["state"] == "normal"
    ledger = (await client.get(f"/v1/customers/{big['id']}/points/ledger", headers=admin)).json()["items"]
    assert ledger[0]["kind"] == "settle" and ledger[0]["points"] == "-1440.00"
    vouchers = (await client.get(f"/v1/customers/{big['id']}/vouchers", headers=admin)).json()["items"]
    assert [(v["amount"], v["status"], v["settlement_id"]) for v in vouchers] == [
        ("1440.00", "issued", settlement_id)
    ]
    [completed] = await _alerts(client, admin, kind="settlement.completed")
    assert completed["cause"] == {"type": "settlement", "id": settlement_id}
    listed = (await client.get("/v1/settlements", params={"status": "completed"}, headers=admin)).json()
    assert [s["id"] for s in listed["items"]] == [settlement_id]
    assert (await app.state.db.run(verify)).drift == []


async def test_manual_settlement_and_vouchers(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _settings(client, admin, liability_warning="100000.00", liability_critical="200000.00")
    m = await new_member(client, admin, phase="maintenance")
    await _buy(client, admin, m["id"], 1)
    finance = await make_key(app, Scope.finance_read)
    assert (await client.post("/v1/settlements", json={"target": "0.01"}, headers=finance)).status_code == 403
    zero = await client.post("/v1/settlements", json={"target": "0.00"}, headers=admin)
    assert zero.status_code == 422 and zero.json()["errors"][0]["field"] == "target"
    key = {"Idempotency-Key": "settle-1"}
    first = await client.post(
        "/v1/settlements", json={"target": "0.01", "reason": "test"}, headers=admin | key
    )
    again = await client.post(
        "/v1/settlements", json={"target": "0.01", "reason": "test"}, headers=admin | key
    )
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    await _worker(app).run_until_idle()
    [voucher] = (await client.get(f"/v1/customers/{m['id']}/vouchers", headers=admin)).json()["items"]
    code = voucher["code"]
    pos = await make_key(app, Scope.transactions_write, store_id="dealer-01")
    assert (
        await client.post(f"/v1/vouchers/{code}/use", json={"store_id": "dealer-02"}, headers=pos)
    ).status_code == 403
    elsewhere = await make_key(app, Scope.transactions_write, store_id="dealer-02")  # never sold to m
    stranger = await client.post(
        f"/v1/vouchers/{code}/use", json={"store_id": "dealer-02"}, headers=elsewhere
    )
    assert stranger.status_code == 404 and "customer_id" not in stranger.text  # nothing spent, nothing shown
    use = {"Idempotency-Key": "use-1"}
    used = await client.post(f"/v1/vouchers/{code}/use", json={"store_id": "dealer-01"}, headers=pos | use)
    assert (
        used.status_code == 201
        and used.json()["status"] == "used"
        and used.json()["used_store_id"] == "dealer-01"
    )
    replay = await client.post(f"/v1/vouchers/{code}/use", json={"store_id": "dealer-01"}, headers=pos | use)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    twice = await client.post(f"/v1/vouchers/{code}/use", json={"store_id": "dealer-01"}, headers=pos)
    assert (
        twice.status_code == 409
        and twice.json()["status"] == 409
        and twice.json()["voucher_status"] == "used"
    )
    assert (
        await client.post(f"/v1/vouchers/{code}/void", json={"reason": "x"}, headers=admin)
    ).status_code == 409
    assert (
        await client.post("/v1/vouchers/VNOPE/use", json={"store_id": "dealer-01"}, headers=pos)
    ).status_code == 404
    assert (await client.get("/v1/customers/nope/vouchers", headers=admin)).status_code == 404


async def test_alert_lifecycle_filters_and_pages(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _settings(client, admin)
    await client.put(
        "/v1/tiers",
        json={
            "tiers": [
                {"code": "standard", "name": "S", "threshold": "0", "rebate_rate": "0"},
                {"code": "silver", "name": "Si", "threshold": "400", "rebate_rate": "0"},
                {"code": "gold", "name": "G", "threshold": "1000", "rebate_rate": "0"},
            ]
        },
        headers={**admin, "If-Match": "*"},
    )
    m = await new_member(client, admin, phase="maintenance")
    await _buy(client, admin, m["id"], 1)  # to silver: tier alerts are off by default
    assert await _alerts(client, admin) == []
    switch = {"settle_min_balance": "0", "tier_change_alerts": True}
    assert (await client.put("/v1/finance/settings", json=switch, headers=admin)).status_code == 428
    switched = await put_current(client, "/v1/finance/settings", switch, admin)
    assert switched.status_code == 200 and switched.json()["tier_change_alerts"]
    stale = {**admin, "If-Match": '"stale"'}
    assert (await client.put("/v1/finance/settings", json=switch, headers=stale)).status_code == 412
    await _buy(client, admin, m["id"], 2)  # to gold, and past the warning
    [tier] = await _alerts(client, admin, kind="tier.changed")
    assert tier["figures"]["tier_after"] == "gold" and tier["customer_id"] == m["id"]
    assert len(await _alerts(client, admin, customer_id=m["id"])) == 2
    page = (await client.get("/v1/alerts", params={"limit": 1}, headers=admin)).json()
    rest = (
        await client.get("/v1/alerts", params={"limit": 1, "cursor": page["next_cursor"]}, headers=admin)
    ).json()
    assert {page["items"][0]["id"], rest["items"][0]["id"]} == {a["id"] for a in await _alerts(client, admin)}
    future = (utcnow() + timedelta(hours=1)).isoformat()
    assert await _alerts(client, admin, since=future) == []
    for bad in (
        {"kind": "nope"},
        {"severity": "x"},
        {"since": "yesterday"},
        {"since": "0.5"},
        {"member": "x"},
    ):
        assert (await client.get("/v1/alerts", params=bad, headers=admin)).status_code == 422, bad
    finance = await make_key(app, Scope.finance_read)
    alert_id = tier["id"]
    acked = await client.post(f"/v1/alerts/{alert_id}/ack", json={"note": "seen"}, headers=finance)
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert acked.json()["acknowledged_by"] and acked.json()["acknowledge_note"] == "seen"
    assert (await client.post(f"/v1/alerts/{alert_id}/ack", json={}, headers=finance)).status_code == 409
    resolved = await client.post(f"/v1/alerts/{alert_id}/resolve", json={"note": "ok"}, headers=finance)
    assert resolved.status_code == 200 and resolved.json()["resolved_at"]
    assert (await client.post(f"/v1/alerts/{alert_id}/ack", json={}, headers=finance)).status_code == 409
    again = await client.post(f"/v1/alerts/{alert_id}/resolve", json={}, headers=finance)
    assert again.status_code == 409 and again.json()["status"] == 409  # the HTTP status, an integer
    assert again.json()["code"] == "alert_state" and again.json()["alert_status"] == "resolved"
    assert (await client.get(f"/v1/alerts/{alert_id}", headers=finance)).json()["status"] == "resolved"
    assert (await client.get("/v1/alerts/alr_nope", headers=finance)).status_code == 404
    assert [a["id"] for a in await _alerts(client, admin, status="resolved")] == [alert_id]


async def test_verify_reports_drift(app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    m = await new_member(client, admin, phase="maintenance")
    await _buy(client, admin, m["id"], 2)
    assert (await app.state.db.run(verify)).drift == []

    async def corrupt(session: Any) -> None:
        await session.execute(
            text("UPDATE customer SET balance = balance + 100 WHERE id = :id"), {"id": m["id"]}
        )
        await session.execute(text("UPDATE liability_stripe SET total_points = total_points - 5"))

    await app.state.db.run(corrupt)
    drift = (await app.state.db.run(verify)).drift
    assert any(f"member {m['id']}: balance is 961.00, the ledger says 960.00" == d for d in drift), drift
    assert any(d.startswith("stripe ") and "total_points" in d for d in drift), drift
    assert any(d.startswith(f"member {m['id']}: lots hold 960.00") for d in drift), drift


async def test_periodic_check_raises_a_missed_crossing(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    m = await new_member(client, admin, phase="maintenance")
    await _buy(client, admin, m["id"], 3)  # 1440 under the default thresholds: nothing

    async def lower(session: Any) -> None:  # as if the crossing's alert had been lost
        await session.execute(
            text(
                "UPDATE points_settings SET point_value = 10000, liability_warning = 100000, "
                "liability_critical = 1000000, liability_target = 50000, "
                "catalogue_version = catalogue_version + 1"
            )
        )

    await app.state.db.run(lower)
    await _worker(app).periodic()
    [alert] = await _alerts(client, admin, kind="liability.warning")
    assert alert["cause"] == {"type": "check", "id": None}
    await _worker(app).periodic()
    assert len(await _alerts(client, admin, kind="liability.warning")) == 1


async def test_jobs_are_leased_and_taken_over_after_a_dead_worker(app: FastAPI) -> None:
    now = utcnow()
    job_id = await app.state.db.run(lambda s: enqueue(s, "nothing", {}, now))
    first = await app.state.db.run(lambda s: claim(s, "w1", now))
    assert first is not None and first.id == job_id and first.attempts == 1
    assert await app.state.db.run(lambda s: claim(s, "w2", now)) is None  # leased to w1
    later = now + timedelta(minutes=5)  # w1 died: its lease ran out
    second = await app.state.db.run(lambda s: claim(s, "w2", later))
    assert second is not None and second.id == job_id and second.worker_id == "w2" and second.attempts == 2


async def test_worker_purges_old_idempotency_records(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    key = {"Idempotency-Key": "old"}
    body = {"name": "Kept"}
    first = await client.post("/v1/customers", json=body, headers=admin | key)

    async def age(session: Any) -> None:
        await session.execute(
            text("UPDATE idempotency_record SET created_at = :t"), {"t": utcnow() - timedelta(hours=73)}
        )

    await app.state.db.run(age)
    await _worker(app).purge()
    again = await client.post("/v1/customers", json=body | {"email": "k@example.com"}, headers=admin | key)
    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]


async def test_a_stopping_worker_hands_its_job_back(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _settings(client, admin, liability_warning="100000.00", liability_critical="200000.00")
    for _ in range(2):
        await _buy(client, admin, (await new_member(client, admin, phase="maintenance"))["id"])
    run = (await client.post("/v1/settlements", json={"target": "0.01"}, headers=admin)).json()

    class StopsAfterOneStep(Worker):
        def stepped(self) -> None:
            super().stepped()
            stop.set()  # as SIGTERM would, mid-run

    stop = asyncio.Event()
    await StopsAfterOneStep(app.state.db, Settings(worker_in_serve=False)).run(stop)
    midway = (await client.get(f"/v1/settlements/{run['id']}", headers=admin)).json()
    assert midway["status"] == "running" and len(midway["items"]) == 1
    assert await _worker(app).run_until_idle() == 1  # released, so taken at once: no lease to wait out
    done = (await client.get(f"/v1/settlements/{run['id']}", headers=admin)).json()
    assert done["status"] == "completed" and len(done["items"]) == 2


async def test_workers_side_by_side_claim_different_jobs(app: FastAPI, is_postgres: bool) -> None:
    now = utcnow()
    ids = {await app.state.db.run(lambda s: enqueue(s, "nothing", {}, now)) for _ in range(2)}
    async with app.state.db.unit_of_work() as first:
        mine = await claim(first.session, "w1", now)  # leased and still locked by an open transaction
        if is_postgres:  # the second worker skips the locked job instead of waiting for it
            other = await asyncio.wait_for(app.state.db.run(lambda s: claim(s, "w2", now)), timeout=5)
            await first.commit()
        else:  # SQLite: one writer at a time, so the second claims after the first commits
            await first.commit()
            other = await app.state.db.run(lambda s: claim(s, "w2", now))
    assert mine is not None and other is not None and {mine.id, other.id} == ids
