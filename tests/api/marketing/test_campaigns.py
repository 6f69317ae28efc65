"""Campaigns: CRUD and workflow, filters, preview, execution (holdout, budget, once per member)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text, update

from app.models.integration.api_keys import Scope
from app.repositories import tables
from app.settings import Settings
from app.worker.runner import Worker
from tests.conftest import make_key
from tests.helpers import consent, line, new_member, post, purchase

BONUS = {"name": "Win back", "bonus_points": "100.00"}


async def create(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/campaigns", json={**BONUS, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def schedule(client: httpx.AsyncClient, headers: dict[str, str], cid: str) -> None:
    moved = await client.post(f"/v1/campaigns/{cid}/status", json={"status": "scheduled"}, headers=headers)
    assert moved.status_code == 200, moved.text


async def execute(
    client: httpx.AsyncClient, headers: dict[str, str], cid: str, share: str = "0"
) -> httpx.Response:
    return await client.post(f"/v1/campaigns/{cid}/execute", json={"holdout_share": share}, headers=headers)


async def members(client: httpx.AsyncClient, admin: dict[str, str], n: int, **fields: Any) -> list[str]:
    return [(await new_member(client, admin, **fields))["id"] for _ in range(n)]


async def ledger(client: httpx.AsyncClient, admin: dict[str, str], cid: str) -> list[dict[str, Any]]:
    page = await client.get(f"/v1/customers/{cid}/points/ledger", headers=admin)
    return page.json()["items"]  # type: ignore[no-any-return]


async def test_create_read_edit_and_workflow(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    made = await create(
        client,
        admin,
        target={"stages": ["decline"], "segments": ["value"]},
        channel="sms",
        starts_at="2026-12-01T00:00:00+08:00",
        ends_at="2026-12-31T23:59:59+08:00",
    )
    assert made["starts_at"] == "2026-11-30T16:00:00Z"  # answered in UTC, as it is read back
    assert made["status"] == "draft" and made["target"] == {"stages": ["decline"], "segments": ["value"]}
    assert made["bonus_points"] == "100.00" and made["channel"] == "sms" and made["progress"]["targeted"] == 0
    cid = made["id"]
    edited = await client.patch(f"/v1/campaigns/{cid}", json={"budget": "50.00"}, headers=admin)
    assert edited.status_code == 200 and edited.json()["budget"] == "50.00"
    assert (await client.get(f"/v1/campaigns/{cid}", headers=admin)).json()["budget"] == "50.00"
    listed = (await client.get("/v1/campaigns?status=draft", headers=admin)).json()
    assert [c["id"] for c in listed["items"]] == [cid]
    illegal = await client.post(f"/v1/campaigns/{cid}/status", json={"status": "finished"}, headers=admin)
    assert illegal.status_code == 409 and illegal.json()["code"] == "illegal_transition"
    not_yet = await execute(client, admin, cid)
    assert not_yet.status_code == 409 and not_yet.json()["code"] == "campaign_state"
    await schedule(client, admin, cid)
    frozen = await client.patch(f"/v1/campaigns/{cid}", json={"name": "x"}, headers=admin)
    assert frozen.status_code == 409 and frozen.json()["code"] == "campaign_state"
    cancelled = await client.post(f"/v1/campaigns/{cid}/status", json={"status": "cancelled"}, headers=admin)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    retried = await client.post(f"/v1/campaigns/{cid}/status", json={"status": "cancelled"}, headers=admin)
    assert retried.status_code == 200 and retried.json()["updated_at"] == cancelled.json()["updated_at"]
    closed = await execute(client, admin, cid)
    assert closed.status_code == 409 and closed.json()["code"] == "campaign_state"
    history = (await client.get(f"/v1/audit?object_type=campaign&object_id={cid}", headers=admin)).json()
    assert [e["action"] for e in history["items"]] == ["status", "status", "update", "create"]


async def test_bad_filters_and_terms_are_named(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    cases = [
        ({"target": {"colour": "red"}}, "target.colour"),
        ({"target": {"lifetime_points_min": "500.00", "lifetime_points_max": "100.00"}},
         "target.lifetime_points_min"),
        ({"target": {"spend_since": "2026-02-01", "spend_until": "2026-01-01"}}, "target.spend_since"),
        ({"target": {"balance_min": "9.00", "balance_max": "1.00"}}, "target.balance_min"),
        ({"budget": "0.50"}, "budget"),  # 100 points at 0.01 cost 1.00
        ({"multiplier": "2"}, "starts_at"),
        ({"bonus_points": None}, "bonus_points"),
        ({"multiplier": "1", "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-02-01T00:00:00Z"},
         "multiplier"),
        ({"service_types": ["spaceship"]}, "service_types[0]"),
    ]  # fmt: skip
    for fields, field in cases:
        response = await client.post("/v1/campaigns", json={**BONUS, **fields}, headers=admin)
        assert response.status_code == 422, (fields, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], (field, response.json())
    explored = await client.post(
        "/v1/campaigns/preview", json={"spend_min": "9.00", "spend_max": "1"}, headers=admin
    )
    assert explored.status_code == 422 and explored.json()["errors"][0]["field"] == "spend_min"
    assert (await client.get("/v1/campaigns", headers=admin)).json()["items"] == []


async def analysed(app: FastAPI, customer_id: str, **columns: Any) -> None:
    """Stand in for the member analysis (another module fills these columns)."""

    async def write(session: Any) -> None:
        c = tables.customer
        await session.execute(update(c).where(c.c.id == customer_id).values(**columns))

    await app.state.db.run(write)


async def test_filters_select_and_preview_analyses(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    a = await new_member(client, admin, sales_rep="rep-a", store_id="dealer-01", birthday="1980-03-04")
    b = await new_member(client, admin, sales_rep="rep-a", store_id="dealer-02")
    await new_member(client, admin, sales_rep="rep-b")
    basket = [line("maintenance", "1000.00", "0.35"), line("parts", "2000.00", "0.25")]
    assert (await post(client, admin, purchase(a["id"], *basket))).status_code == 201
    assert (await post(client, admin, purchase(b["id"], line("parts", "400.00", "0.25")))).status_code == 201

    async def preview(target: dict[str, Any]) -> dict[str, Any]:
        response = await client.post("/v1/campaigns/preview", json=target, headers=admin)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    both = await preview({"sales_rep": "rep-a"})
    assert both["members"] == 2 and both["purchases"] == 2
    assert both["spend"] == "3400.00" and both["profit"] == "950.00" and both["average_spend"] == "1700.00"
    assert both["service_mix"] == [
        {"key": "maintenance", "members": 1, "lines": 1, "amount": "1000.00", "profit": "350.00"},
        {"key": "parts", "members": 2, "lines": 2, "amount": "2400.00", "profit": "600.00"},
    ]
    assert both["tier_mix"] == [
        {"key": "standard", "members": 2, "lines": 0, "amount": "0.00", "profit": "0.00"}
    ]
    assert [s["key"] for s in both["stage_mix"]] == ["formation"]  # one purchase each
    await analysed(
        app, a["id"], lifecycle_stage="decline", segment_value=True, segment_trend="falling", rfm_r=2
    )
    assert (await preview({"stages": ["decline"], "segments": ["value", "falling"]}))["members"] == 1
    assert (await preview({"stages": ["decline"], "segments": ["problem"]}))["members"] == 0
    assert (await preview({"rfm_r_min": 2}))["members"] == 1
    assert (await preview({"rfm_r_min": 3}))["members"] == 0
    assert (await preview({"sales_rep": "rep-a", "service_types": ["maintenance"]}))["members"] == 1
    assert (await preview({"lifetime_points_min": "1000.00"}))["members"] == 1
    assert (await preview({"spend_min": "500.00", "spend_since": "2000-01-01"}))["members"] == 1
    assert (await preview({"birthday_month": 3}))["members"] == 1
    assert (await preview({"store_id": "dealer-02"}))["members"] == 1
    assert (await preview({"stages": ["exploration"]}))["members"] == 1  # rep-b's, no purchase
    assert (await preview({"last_purchase_before": "2000-01-01"}))["members"] == 0
    assert (await preview({"segments": ["value"]}))["members"] == 1
    # A dealer-02 key sees its member and the member it sold to, nothing else.
    other = await make_key_for(client, admin, "dealer-02")
    seen_by_other = (await client.post("/v1/campaigns/preview", json={}, headers=other)).json()
    assert seen_by_other["members"] == 1
    # ... and only its own store's purchases: b bought at dealer-01, which dealer-02 may not see.
    assert seen_by_other["purchases"] == 0 and seen_by_other["spend"] == "0.00"
    assert seen_by_other["service_mix"] == []


async def make_key_for(client: httpx.AsyncClient, admin: dict[str, str], store: str) -> dict[str, str]:
    body = {"name": "store campaigns", "scopes": ["campaigns:write"], "store_id": store}
    created = (await client.post("/v1/api-keys", json=body, headers=admin)).json()
    return {"Authorization": f"Bearer {created['key']}"}


async def test_execute_awards_once_with_holdout_and_budget(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    ids = await members(client, admin, 8, sales_rep="exec")
    made = await create(client, admin, target={"sales_rep": "exec"}, budget="4.00")
    cid = made["id"]
    preview = (await client.post(f"/v1/campaigns/{cid}/preview", headers=admin)).json()
    assert preview["members"] == 8 and preview["estimated_bonus_cost"] == "4.00"
    await schedule(client, admin, cid)
    done = await execute(client, admin, cid, "0.25")
    assert done.status_code == 200, done.text
    body = done.json()
    progress = body["progress"]
    assert body["status"] == "running" and body["background"] is False and body["holdout_share"] == "0.25"
    assert progress["targeted"] == 8 and progress["pending"] == 0
    held = progress["holdout"]
    assert progress["awarded"] == min(4, 8 - held)  # 4.00 pays four awards of 100 points at 0.01
    assert progress["left_out"] == 8 - held - progress["awarded"]
    assert body["spent"] == f"{progress['awarded']}.00"
    bonuses = {m: [e for e in await ledger(client, admin, m) if e["kind"] == "bonus"] for m in ids}
    awarded = [m for m, entries in bonuses.items() if entries]
    assert len(awarded) == progress["awarded"]
    for m in awarded:
        [entry] = bonuses[m]
        assert entry["campaign_id"] == cid and entry["points"] == "100.00"
        assert entry["counts_toward_tier"] is False and entry["lifetime_after"] == "0.00"
    again = await execute(client, admin, cid, "0.5")  # a re-run awards nobody twice
    assert again.status_code == 200 and again.json()["progress"] == progress
    assert again.json()["holdout_share"] == "0.25"
    for m in ids:
        assert len([e for e in await ledger(client, admin, m) if e["kind"] == "bonus"]) == len(bonuses[m])


async def test_a_channel_selects_only_members_who_consent_on_it(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    sms, wechat, withdrawn, never = await members(client, admin, 4, sales_rep="consent")
    await consent(client, admin, sms, sms=True)
    await consent(client, admin, wechat, wechat=True)
    await consent(client, admin, withdrawn, sms=True)
    await consent(client, admin, withdrawn, sms=False)
    explore = await client.post("/v1/campaigns/preview", json={"sales_rep": "consent"}, headers=admin)
    assert explore.json()["members"] == 4  # filters alone: no channel, consent does not restrict
    by_sms = (await create(client, admin, target={"sales_rep": "consent"}, channel="sms"))["id"]
    assert (await client.post(f"/v1/campaigns/{by_sms}/preview", headers=admin)).json()["members"] == 1
    await schedule(client, admin, by_sms)
    done = (await execute(client, admin, by_sms)).json()
    assert done["progress"]["targeted"] == 1 and done["progress"]["awarded"] == 1
    awarded = {
        m
        for m in (sms, wechat, withdrawn, never)
        if any(e["kind"] == "bonus" for e in await ledger(client, admin, m))
    }
    assert awarded == {sms}
    no_channel = (await create(client, admin, target={"sales_rep": "consent"}))["id"]
    assert (await client.post(f"/v1/campaigns/{no_channel}/preview", headers=admin)).json()["members"] == 4


async def test_a_budget_below_one_award_and_a_bad_holdout(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await members(client, admin, 2, sales_rep="h")
    cid = (await create(client, admin, target={"sales_rep": "h"}, bonus_counts_toward_tier=True))["id"]
    await schedule(client, admin, cid)
    too_many = await execute(client, admin, cid, "0.6")
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "holdout_share"
    done = (await execute(client, admin, cid)).json()
    assert done["progress"]["awarded"] == 2 and done["spent"] == "2.00"
    m = (await client.get("/v1/customers?sales_rep=h", headers=admin)).json()["items"][0]
    [entry] = [e for e in await ledger(client, admin, m["id"]) if e["kind"] == "bonus"]
    assert entry["counts_toward_tier"] is True and entry["lifetime_after"] == "100.00"


async def test_store_bound_keys_see_their_store_campaigns(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    near = await make_key(app, Scope.campaigns_write, store_id="dealer-01")
    far = await make_key(app, Scope.campaigns_write, store_id="dealer-02")
    await new_member(client, admin, store_id="dealer-01", sales_rep="s")
    await new_member(client, admin, store_id="dealer-02", sales_rep="s")
    mine = await create(client, near, target={"sales_rep": "s"})
    assert mine["store_id"] == "dealer-01"
    elsewhere = await client.post("/v1/campaigns", json={**BONUS, "store_id": "dealer-02"}, headers=near)
    assert elsewhere.status_code == 403
    assert (await client.get(f"/v1/campaigns/{mine['id']}", headers=far)).status_code == 404
    assert (await client.get("/v1/campaigns", headers=far)).json()["items"] == []
    assert (await client.get(f"/v1/campaigns/{mine['id']}", headers=admin)).status_code == 200
    await schedule(client, near, mine["id"])
    done = (await execute(client, near, mine["id"])).json()
    assert done["progress"]["targeted"] == 1  # only the dealer-01 member


async def test_executed_campaign_emits_its_event(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    hook = {"url": "https://example.com/hook", "events": ["campaign.executed"]}
    assert (await client.post("/v1/webhooks", json=hook, headers=admin)).status_code == 201
    await members(client, admin, 3, sales_rep="evt")
    cid = (await create(client, admin, target={"sales_rep": "evt"}))["id"]
    await schedule(client, admin, cid)
    assert (await execute(client, admin, cid)).status_code == 200
    assert (await execute(client, admin, cid)).status_code == 200  # a re-run emits nothing more

    async def events(session: Any) -> list[Any]:
        rows = await session.execute(text("SELECT type, data FROM webhook_event"))
        return [tuple(r) for r in rows]

    [(kind, data)] = await app.state.db.run(events)
    data = json.loads(data) if isinstance(data, str) else data
    assert kind == "campaign.executed"
    assert data == {
        "campaign_id": cid, "name": "Win back",
        "status": "running", "targeted": 3, "holdout": 0, "awarded": 3, "left_out": 0,
        "points_awarded": "300.00", "spent": "3.00",
    }  # fmt: skip


async def test_large_selections_run_in_the_background(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    ids = await members(client, admin, 4, sales_rep="bgj")
    other = await members(client, admin, 3, sales_rep="bgc")
    settings = app.state.settings
    limit, settings.campaign_inline_limit = settings.campaign_inline_limit, 2
    try:
        cid = (await create(client, admin, target={"sales_rep": "bgj"}))["id"]
        await schedule(client, admin, cid)
        queued = await execute(client, admin, cid)
        stopped = (await create(client, admin, target={"sales_rep": "bgc"}))["id"]
        await schedule(client, admin, stopped)
        assert (await execute(client, admin, stopped)).status_code == 202
    finally:
        settings.campaign_inline_limit = limit
    assert queued.status_code == 202 and queued.json()["progress"]["pending"] == 4
    again = await execute(client, admin, cid)  # the job is queued: no second one
    assert again.status_code == 202 and again.json()["job_id"] == queued.json()["job_id"]
    cancel = await client.post(f"/v1/campaigns/{stopped}/status", json={"status": "cancelled"}, headers=admin)
    assert cancel.status_code == 200
    await Worker(app.state.db, Settings(worker_in_serve=False, campaign_batch_size=3)).run_until_idle()
    done = (await client.get(f"/v1/campaigns/{cid}", headers=admin)).json()
    assert done["progress"]["awarded"] == 4 and done["progress"]["pending"] == 0 and done["execution_done_at"]
    for m in ids:
        assert [e["points"] for e in await ledger(client, admin, m) if e["kind"] == "bonus"] == ["100.00"]
    cancelled = (await client.get(f"/v1/campaigns/{stopped}", headers=admin)).json()
    assert cancelled["progress"]["awarded"] == 0 and cancelled["progress"]["pending"] == 0
    for m in other:
        assert [e for e in await ledger(client, admin, m) if e["kind"] == "bonus"] == []


async def test_execute_without_a_body_holds_out_the_default_share(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await members(client, admin, 1, sales_rep="no-body")
    cid = (await create(client, admin, target={"sales_rep": "no-body"}))["id"]
    await schedule(client, admin, cid)
    done = await client.post(f"/v1/campaigns/{cid}/execute", headers=admin)
    assert done.status_code == 200, done.text
    assert done.json()["holdout_share"] == "0.1" and done.json()["progress"]["targeted"] == 1
