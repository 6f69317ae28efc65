"""Member analysis: settings, incremental updates on purchases/refunds/tickets, the bulk pass,
time-based decline, the `customer.at_risk` alert, RFM scores and the search filters."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import bindparam, text

from app.domain.marketing.analysis import quintile_scores
from app.models.base import utcnow
from app.models.marketing.settings import AnalysisRun
from app.services.marketing import analysis
from app.settings import Settings
from app.worker.runner import Worker
from tests.helpers import line, new_member, post, purchase, put_current

SETTINGS = "/v1/marketing/settings"
DEFAULTS: dict[str, Any] = {
    "formation_from_purchases": 1,
    "stability_from_purchases": 4,
    "decline_after_days": 365,
    "value_share": "0.2",
    "trend_window_days": 90,
    "trend_change": "0.3",
    "problem_window_days": 365,
    "problem_refund_rate": "0.3",
    "problem_open_complaints": 0,
    "rfm_window_days": 365,
}


def ago(days: int) -> str:
    return (utcnow() - timedelta(days=days)).isoformat()


async def buy(
    client: httpx.AsyncClient, admin: dict[str, str], member: str, amount: str, days_ago: int = 0
) -> dict[str, Any]:
    body = purchase(member, line("parts", amount), occurred_at=ago(days_ago))
    response = await post(client, admin, body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def shown(client: httpx.AsyncClient, admin: dict[str, str], member: str) -> dict[str, Any]:
    got = (await client.get(f"/v1/customers/{member}", headers=admin)).json()
    return {"stage": got["lifecycle_stage"], "segments": got["segments"], "rfm": got["rfm"]}


async def analyse(app: FastAPI, now: datetime | None = None) -> AnalysisRun:
    return await analysis.analyse(app.state.db.run, now or utcnow(), size=2)  # several batches


async def ids(client: httpx.AsyncClient, admin: dict[str, str], query: str) -> set[str]:
    response = await client.get(f"/v1/customers?{query}", headers=admin)
    assert response.status_code == 200, response.text
    return {m["id"] for m in response.json()["items"]}


async def test_settings_defaults_replace_and_audit(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    got = await client.get(SETTINGS, headers=admin)
    assert got.status_code == 200
    assert {k: v for k, v in got.json().items() if k != "updated_at"} == DEFAULTS
    assert got.json()["updated_at"] is None
    body = {**DEFAULTS, "decline_after_days": 180, "value_share": "0.1"}
    assert (await client.put(SETTINGS, json=body, headers=admin)).status_code == 428
    stale = await client.put(SETTINGS, json=body, headers={**admin, "If-Match": '"0"'})
    assert stale.status_code == 412
    done = await put_current(client, SETTINGS, body, admin)
    assert done.status_code == 200, done.text
    assert done.json()["decline_after_days"] == 180 and done.json()["updated_at"]
    assert (await client.get(SETTINGS, headers=admin)).json()["value_share"] == "0.1"
    events = (await client.get("/v1/audit?object_type=marketing_settings", headers=admin)).json()["items"]
    assert [c["field"] for c in events[0]["changes"]] == ["decline_after_days", "value_share"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"formation_from_purchases": 4, "stability_from_purchases": 3}, "stability_from_purchases"),
        ({"stability_from_purchases": 1}, "stability_from_purchases"),
        ({"decline_after_days": 0}, "decline_after_days"),
        ({"decline_after_days": 99999}, "decline_after_days"),
        ({"trend_window_days": 1826}, "trend_window_days"),
        ({"value_share": "0"}, "value_share"),
        ({"value_share": "2"}, "value_share"),
        ({"trend_change": "1"}, "trend_change"),
        ({"problem_refund_rate": "-0.5"}, "problem_refund_rate"),
        ({"problem_open_complaints": -1}, "problem_open_complaints"),
        ({"rfm_window_days": 1.5}, "rfm_window_days"),
    ],
)
async def test_settings_refused_name_the_field(
    client: httpx.AsyncClient, admin: dict[str, str], change: dict[str, Any], field: str
) -> None:
    response = await put_current(client, SETTINGS, {**DEFAULTS, **change}, admin)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await client.get(SETTINGS, headers=admin)).json()["updated_at"] is None  # nothing changed


async def test_stage_follows_purchases_at_once(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = (await new_member(client, admin))["id"]
    assert await shown(client, admin, member) == {"stage": "exploration", "segments": [], "rfm": None}
    await buy(client, admin, member, "100.00", days_ago=3)
    assert (await shown(client, admin, member))["stage"] == "formation"
    for _ in range(3):
        await buy(client, admin, member, "100.00")
    assert (await shown(client, admin, member))["stage"] == "stability"
    old = (await new_member(client, admin))["id"]
    await buy(client, admin, old, "100.00", days_ago=400)  # posted late: in decline already
    assert (await shown(client, admin, old))["stage"] == "decline"


async def test_time_based_decline_by_the_daily_worker(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], migrated: str
) -> None:
    member = (await new_member(client, admin))["id"]
    await buy(client, admin, member, "100.00", days_ago=200)
    assert (await shown(client, admin, member))["stage"] == "formation"
    body = {**DEFAULTS, "decline_after_days": 150}
    assert (await put_current(client, SETTINGS, body, admin)).status_code == 200
    assert (await shown(client, admin, member))["stage"] == "formation"  # until the next pass
    worker = Worker(app.state.db, Settings(database_url=migrated))
    await worker.daily()
    assert (await shown(client, admin, member))["stage"] == "decline"
    await worker.daily()  # not due again within a day: nothing to do, nothing raised twice
    await worker.webhooks.close()
    alerts = (await client.get("/v1/alerts?kind=customer.at_risk", headers=admin)).json()["items"]
    assert [a["customer_id"] for a in alerts] == [member]


async def test_value_customer_entering_decline_raises_one_alert_and_event(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    hook = {"url": "https://example.com/hook", "events": ["alert.raised"]}
    assert (await client.post("/v1/webhooks", json=hook, headers=admin)).status_code == 201
    big = (await new_member(client, admin))["id"]
    await buy(client, admin, big, "9000.00", days_ago=300)
    small = [(await new_member(client, admin))["id"] for _ in range(4)]
    for m in small:
        await buy(client, admin, m, "100.00", days_ago=300)
    first = await analyse(app)
    assert (first.active_members, first.at_risk_alerts) == (5, 0)
    assert (await shown(client, admin, big))["segments"] == ["value"]
    assert (await shown(client, admin, small[0]))["segments"] == []
    later = utcnow() + timedelta(days=100)
    run = await analyse(app, later)
    assert run.at_risk_alerts == 1
    again = await analyse(app, later)
    assert (again.changed, again.at_risk_alerts) == (0, 0)  # idempotent
    alerts = (await client.get("/v1/alerts?kind=customer.at_risk", headers=admin)).json()["items"]
    assert len(alerts) == 1
    assert alerts[0]["customer_id"] == big and alerts[0]["severity"] == "warning"
    assert alerts[0]["cause"] == {"type": "customer", "id": big}

    async def events(session: Any) -> list[str]:
        rows = await session.execute(text("SELECT type, data FROM webhook_event"))
        return [r.type for r in rows if "customer.at_risk" in str(r.data)]

    assert await app.state.db.run(events) == ["alert.raised"]
    assert await ids(client, admin, "stage=decline&segment=value") == {big}


async def test_incremental_and_bulk_agree(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    members = [(await new_member(client, admin))["id"] for _ in range(10)]
    for n, m in enumerate(members):
        await buy(client, admin, m, f"{100 * (n + 1)}.00", days_ago=20)
    await analyse(app)  # the value cut: the top 2 of 10 (members[8], members[9])
    assert await ids(client, admin, "segment=value") == set(members[8:])
    climber, top, refunder, complainer = members[4], members[9], members[1], members[2]
    await buy(client, admin, climber, "5000.00")  # above the cut: a value customer at once
    assert "value" in (await shown(client, admin, climber))["segments"]
    txn = await buy(client, admin, refunder, "1000.00")
    refund = await client.post(f"/v1/transactions/{txn['id']}/refunds", json={}, headers=admin)
    assert refund.status_code == 201, refund.text
    assert "problem" in (await shown(client, admin, refunder))["segments"]
    ticket = await client.post(
        "/v1/tickets",
        json={"customer_id": complainer, "kind": "complaint", "subject": "late", "store_id": "dealer-01"},
        headers=admin,
    )
    assert ticket.status_code == 201, ticket.text
    assert "problem" in (await shown(client, admin, complainer))["segments"]
    first = (await client.get(f"/v1/transactions?customer_id={top}", headers=admin)).json()["items"][0]
    assert (
        await client.post(f"/v1/transactions/{first['id']}/refunds", json={}, headers=admin)
    ).status_code == 201
    assert "value" not in (await shown(client, admin, top))["segments"]  # its profit went back to 0
    incremental = {m: await shown(client, admin, m) for m in (climber, top, refunder, complainer)}
    await analyse(app)
    for m, before in incremental.items():
        after = await shown(client, admin, m)
        assert (after["stage"], after["segments"]) == (before["stage"], before["segments"]), m
    path = f"/v1/tickets/{ticket.json()['id']}"
    assert (await client.patch(path, json={"status": "in_progress"}, headers=admin)).status_code == 200
    assert "problem" in (await shown(client, admin, complainer))["segments"]  # still open
    closed = await client.patch(path, json={"status": "closed", "resolution": "apologised"}, headers=admin)
    assert closed.status_code == 200, closed.text
    assert "problem" not in (await shown(client, admin, complainer))["segments"]
    assert (await analyse(app)).changed == 0


async def test_trend_and_rfm_from_the_bulk_pass(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    riser, faller = (await new_member(client, admin))["id"], (await new_member(client, admin))["id"]
    await buy(client, admin, riser, "100.00", days_ago=120)
    await buy(client, admin, riser, "500.00", days_ago=10)
    await buy(client, admin, faller, "500.00", days_ago=120)
    await buy(client, admin, faller, "100.00", days_ago=10)
    plain = [(await new_member(client, admin))["id"] for _ in range(4)]
    for n, m in enumerate(plain):
        for k in range(n + 1):
            await buy(client, admin, m, f"{50 * (n + 1)}.00", days_ago=5 * (n + 1) + k)
    idle = (await new_member(client, admin))["id"]  # no purchase: not scored
    await analyse(app)
    assert "rising" in (await shown(client, admin, riser))["segments"]
    assert "falling" in (await shown(client, admin, faller))["segments"]
    scored = [riser, faller, *plain]
    txns = {
        m: (await client.get(f"/v1/transactions?customer_id={m}", headers=admin)).json()["items"]
        for m in scored
    }
    last = [max(t["occurred_at"] for t in txns[m]) for m in scored]
    count = [len(txns[m]) for m in scored]
    spend = [sum(Decimal(t["payable"]) for t in txns[m]) for m in scored]
    expected = list(zip(quintile_scores(last), quintile_scores(count), quintile_scores(spend), strict=True))
    got = [await shown(client, admin, m) for m in scored]
    assert [(g["rfm"]["r"], g["rfm"]["f"], g["rfm"]["m"]) for g in got] == expected
    assert (await shown(client, admin, idle))["rfm"] is None
    top_m = {m for m, e in zip(scored, expected, strict=True) if e[2] == 5}
    assert await ids(client, admin, "rfm_m_min=5") == top_m
    assert await ids(client, admin, "rfm_r_min=1&rfm_f_min=1&rfm_m_min=1") == set(scored)


async def test_members_with_a_count_but_no_purchase_date_are_not_scored(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """Data loaded from another system may carry a purchase count without a date: the bulk pass
    leaves such members out of the quintiles (it failed on them) and scores the others."""
    buyer = (await new_member(client, admin))["id"]
    await buy(client, admin, buyer, "100.00", days_ago=3)
    imported = [(await new_member(client, admin))["id"] for _ in range(4)]

    async def load(session: Any) -> None:
        await session.execute(
            text("UPDATE customer SET purchase_count = 7 WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": imported},
        )

    await app.state.db.run(load)
    run = await analyse(app)
    assert run.active_members == 1
    rfm = (await shown(client, admin, buyer))["rfm"]
    assert (rfm["r"], rfm["f"], rfm["m"]) == (1, 1, 1)
    assert [(await shown(client, admin, m))["rfm"] for m in imported] == [None] * 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("stage=dormant", "stage"),
        ("segment=vip", "segment"),
        ("rfm_r_min=6", "rfm_r_min"),
        ("rfm_f_min=0", "rfm_f_min"),
        ("rfm_m_min=x", "rfm_m_min"),
    ],
)
async def test_bad_filters_name_the_filter(
    client: httpx.AsyncClient, admin: dict[str, str], query: str, field: str
) -> None:
    response = await client.get(f"/v1/customers?{query}", headers=admin)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
