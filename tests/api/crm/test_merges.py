"""Merging duplicate members: what moves, the totals re-added, undo, and the refusals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.domain.crm.errors import MergeWindowClosed
from app.models.base import utcnow
from app.services.crm.merges import undo_merge
from app.services.finance.verify import verify
from app.services.integration.api_keys import ROOT
from tests.helpers import consent, ledger_matches_totals, line, new_member, post, purchase, vin


async def _adjust(client: httpx.AsyncClient, admin: dict[str, str], member: str, points: str) -> None:
    body = {"points": points, "reason": "legacy", "counts_toward_tier": True}
    response = await client.post(f"/v1/customers/{member}/points/adjustments", json=body, headers=admin)
    assert response.status_code == 201, response.text


async def _points(client: httpx.AsyncClient, admin: dict[str, str], member: str) -> dict[str, Any]:
    response = await client.get(f"/v1/customers/{member}/points", headers=admin)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _no_drift(app: FastAPI) -> None:
    report = await app.state.db.run(verify)
    assert report.drift == []


async def _merge(
    client: httpx.AsyncClient, admin: dict[str, str], survivor: str, duplicate: str, **headers: str
) -> httpx.Response:
    return await client.post(
        f"/v1/customers/{survivor}/merge", json={"duplicate_id": duplicate}, headers={**admin, **headers}
    )


async def _duplicates(client: httpx.AsyncClient, admin: dict[str, str]) -> tuple[str, str]:
    """A survivor (15 000 lifetime points, a purchase) and its duplicate (a purchase, 10 000
    points, a vehicle, a maintenance record, an activity, a ticket and an SMS consent)."""
    survivor = (await new_member(client, admin, name="张三", phone="+8613800138000"))["id"]
    duplicate = (await new_member(client, admin, name="张三", phone="+8613900139000"))["id"]
    await _adjust(client, admin, survivor, "15000.00")
    await _adjust(client, admin, duplicate, "10000.00")
    for member in (survivor, duplicate):
        bought = await post(client, admin, purchase(member, line("parts", "1000.00")))
        assert bought.status_code == 201, bought.text
    base = f"/v1/customers/{duplicate}"
    car = await client.post(f"{base}/vehicles", json={"vin": vin(7), "plate": "粤B12345"}, headers=admin)
    assert car.status_code == 201, car.text
    record = {"service_type": "maintenance", "vehicle_id": car.json()["id"]}
    assert (await client.post(f"{base}/maintenance", json=record, headers=admin)).status_code == 201
    call = {"type": "call", "channel": "phone", "subject": "tyres"}
    assert (await client.post(f"{base}/activities", json=call, headers=admin)).status_code == 201
    ticket = {"customer_id": duplicate, "kind": "complaint", "subject": "noise"}
    assert (await client.post("/v1/tickets", json=ticket, headers=admin)).status_code == 201
    await consent(client, admin, duplicate)
    return survivor, duplicate


async def test_a_merge_moves_everything_and_re_adds_the_totals(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    survivor, duplicate = await _duplicates(client, admin)
    before = [await _points(client, admin, m) for m in (survivor, duplicate)]
    assert [b["tier"] for b in before] == ["silver", "silver"]
    merged = await _merge(client, admin, survivor, duplicate, **{"Idempotency-Key": "merge-1"})
    assert merged.status_code == 201, merged.text
    body = merged.json()
    assert body["moved"] == {
        "ledger_entry": 2,
        "purchase": 1,
        "refund": 0,
        "points_lot": 2,
        "voucher": 0,
        "vehicle": 1,
        "maintenance_record": 1,
        "contact": 0,
        "activity": 1,
        "ticket": 1,
        "consent_event": 1,
    }
    assert body["netted_points"] == "0.00" and body["undone_at"] is None
    replay = await _merge(client, admin, survivor, duplicate, **{"Idempotency-Key": "merge-1"})
    assert replay.status_code == 201 and replay.json() == body
    after = await _points(client, admin, survivor)
    for figure in ("balance", "lifetime_points", "lifetime_profit_points", "lifetime_consumption_points"):
        assert Decimal(after[figure]) == Decimal(before[0][figure]) + Decimal(before[1][figure]), figure
    assert after["tier"] == "gold"  # 25 000+ lifetime points: re-graded by the tier table
    member = (await client.get(f"/v1/customers/{survivor}", headers=admin)).json()
    assert member["purchase_count"] == 2
    ledger = (await client.get(f"/v1/customers/{survivor}/points/ledger", headers=admin)).json()["items"]
    assert [(e["kind"], e["entry_no"]) for e in ledger][:3] == [("merge", 5), ("earn", 4), ("adjust", 3)]
    assert (ledger[0]["tier_before"], ledger[0]["tier_after"], ledger[0]["points"]) == (
        "silver",
        "gold",
        "0.00",
    )
    await ledger_matches_totals(client, admin, survivor)
    await _no_drift(app)
    assert (await client.get(f"/v1/customers/{duplicate}", headers=admin)).status_code == 404
    synced = await client.get(
        "/v1/customers", params={"updated_since": "2000-01-01T00:00:00Z"}, headers=admin
    )
    gone = next(m for m in synced.json()["items"] if m["id"] == duplicate)
    assert gone["merged_into"] == survivor and gone["deleted_at"] is not None
    for path in ("vehicles", "maintenance", "activities"):
        items = (await client.get(f"/v1/customers/{survivor}/{path}", headers=admin)).json()["items"]
        assert len(items) == 1, path
    since = {"updated_since": body["created_at"]}
    synced_sales = (await client.get("/v1/transactions", params=since, headers=admin)).json()["items"]
    assert [t["customer_id"] for t in synced_sales] == [survivor]  # the moved purchase syncs again
    tickets = (await client.get("/v1/tickets", params={"customer_id": survivor}, headers=admin)).json()
    assert [t["customer_id"] for t in tickets["items"]] == [survivor]
    assert (await client.get(f"/v1/customers/{survivor}/consents", headers=admin)).json()["sms"]["granted"]
    history = (await client.get(f"/v1/customers/{survivor}/history", headers=admin)).json()["items"]
    assert history[0]["action"] == "merge"
    assert history[0]["changes"] == [{"field": "merged_from", "old": None, "new": duplicate}]


async def test_undo_gives_back_exactly_what_moved(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    survivor, duplicate = await _duplicates(client, admin)
    before = {m: await _points(client, admin, m) for m in (survivor, duplicate)}
    merge = (await _merge(client, admin, survivor, duplicate)).json()
    later = await post(client, admin, purchase(survivor, line("parts", "500.00")))  # stays with the survivor
    assert later.status_code == 201
    undone = await client.post(f"/v1/merges/{merge['id']}/undo", headers=admin)
    assert undone.status_code == 200, undone.text
    assert undone.json()["undone_at"] is not None and undone.json()["moved"] == merge["moved"]
    dup_points = await _points(client, admin, duplicate)
    assert {k: dup_points[k] for k in before[duplicate] if k != "next_expiry_at"} == {
        k: v for k, v in before[duplicate].items() if k != "next_expiry_at"
    }
    dup_ledger = (await client.get(f"/v1/customers/{duplicate}/points/ledger", headers=admin)).json()["items"]
    assert [(e["kind"], e["entry_no"]) for e in dup_ledger] == [("unmerge", 3), ("earn", 2), ("adjust", 1)]
    await ledger_matches_totals(client, admin, duplicate)
    survivor_points = await _points(client, admin, survivor)
    earned = Decimal(later.json()["points"])
    assert Decimal(survivor_points["balance"]) == Decimal(before[survivor]["balance"]) + earned
    assert survivor_points["tier"] == "silver"
    for path in ("vehicles", "maintenance", "activities"):
        items = (await client.get(f"/v1/customers/{duplicate}/{path}", headers=admin)).json()["items"]
        assert len(items) == 1, path
    assert (await client.get(f"/v1/customers/{duplicate}", headers=admin)).json()["purchase_count"] == 1
    assert (await client.get(f"/v1/customers/{survivor}", headers=admin)).json()["purchase_count"] == 2
    await _no_drift(app)
    again = await client.post(f"/v1/merges/{merge['id']}/undo", headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "merge_already_undone"


async def test_a_negative_balance_nets_against_the_other(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    survivor = (await new_member(client, admin, phase="maintenance"))["id"]
    duplicate = (await new_member(client, admin, phase="maintenance"))["id"]
    await _adjust(client, admin, survivor, "1000.00")
    txn = (await post(client, admin, purchase(duplicate, line("maintenance", "1000.00", "0.35")))).json()
    redeem = {"points": "400.00"}
    await client.post(f"/v1/customers/{duplicate}/points/redemptions", json=redeem, headers=admin)
    refunded = await client.post(f"/v1/transactions/{txn['id']}/refunds", json={}, headers=admin)
    assert refunded.json()["balance"] == "-400.00"
    liability = (await client.get("/v1/finance/liability", headers=admin)).json()
    merged = (await _merge(client, admin, survivor, duplicate)).json()
    assert merged["netted_points"] == "400.00"
    assert (await _points(client, admin, survivor))["balance"] == "600.00"
    netted = (await client.get("/v1/finance/liability", headers=admin)).json()
    assert Decimal(netted["positive_points"]) == Decimal(liability["positive_points"]) - 400
    await _no_drift(app)
    undone = await client.post(f"/v1/merges/{merged['id']}/undo", headers=admin)
    assert undone.status_code == 200, undone.text
    assert [(await _points(client, admin, m))["balance"] for m in (survivor, duplicate)] == [
        "1000.00",
        "-400.00",
    ]
    assert (await client.get("/v1/finance/liability", headers=admin)).json() == liability
    await _no_drift(app)


async def test_undo_is_refused_once_moved_points_are_spent_or_the_window_closed(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    survivor, duplicate = await _duplicates(client, admin)
    merge = (await _merge(client, admin, survivor, duplicate)).json()
    late = utcnow() + timedelta(days=30)
    with pytest.raises(MergeWindowClosed):
        await app.state.db.run(lambda s: undo_merge(s, ROOT, merge["id"], late, 30))
    spend = {"points": "16000.00"}  # more than the survivor's own lots: the duplicate's are spent too
    spent = await client.post(f"/v1/customers/{survivor}/points/redemptions", json=spend, headers=admin)
    assert spent.status_code == 201, spent.text
    refused = await client.post(f"/v1/merges/{merge['id']}/undo", headers=admin)
    assert refused.status_code == 409 and refused.json()["code"] == "merge_not_reversible"
    assert (await client.get(f"/v1/customers/{duplicate}", headers=admin)).status_code == 404
    await _no_drift(app)


async def test_refusals(client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]) -> None:
    one = (await new_member(client, admin))["id"]
    other = (await new_member(client, admin))["id"]
    itself = await _merge(client, admin, one, one)
    assert itself.status_code == 422 and itself.json()["errors"][0]["field"] == "duplicate_id"
    unknown = await _merge(client, admin, one, "cus_nobody")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "duplicate_id"
    assert (await _merge(client, admin, "cus_nobody", one)).status_code == 404
    assert (await client.post("/v1/merges/mrg_nobody/undo", headers=admin)).status_code == 404
    assert (await _merge(client, admin, one, other)).status_code == 201
    twice = await _merge(client, admin, one, other)  # the duplicate is gone now
    assert twice.status_code == 422
    assert (await _merge(client, admin, other, one)).status_code == 404


async def test_the_analysis_follows_a_merge_and_its_undo(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    survivor = (await new_member(client, admin, phone="+8613800138011"))["id"]
    duplicate = (await new_member(client, admin, phone="+8613800138012"))["id"]
    assert (await post(client, admin, purchase(duplicate, line("parts", "800.00")))).status_code == 201

    async def stage(member: str) -> str:
        return str((await client.get(f"/v1/customers/{member}", headers=admin)).json()["lifecycle_stage"])

    assert await stage(survivor) == "exploration"
    merge = (await _merge(client, admin, survivor, duplicate)).json()
    assert await stage(survivor) == "formation"  # the purchase it took over
    assert (await client.post(f"/v1/merges/{merge['id']}/undo", headers=admin)).status_code == 200
    assert await stage(survivor) == "exploration" and await stage(duplicate) == "formation"
