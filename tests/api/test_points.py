"""Balances, tier status, the ledger, redemptions and adjustments."""

from __future__ import annotations

import httpx

from tests.helpers import ledger_matches_totals, line, new_member, post, purchase


async def test_tier_status_for_the_mobile_app(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin, phase="maintenance")
    await post(
        client,
        admin,
        purchase(member["id"], line("maintenance", "1000.00", "0.35"), line("parts", "2000.00", "0.25")),
    )
    tier = (await client.get(f"/v1/customers/{member['id']}/tier", headers=admin)).json()
    assert tier == {
        "customer_id": member["id"],
        "tier": "standard",
        "tier_name": "Standard",
        "rebate_rate": "0",
        "lifetime_points": "1280.00",
        "balance": "1280.00",
        "next_tier": "silver",
        "points_to_next_tier": "3720.00",
        "allowed_services": ["maintenance", "parts"],
    }


async def test_redemption_lowers_balance_not_lifetime(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, phase="maintenance")
    await post(client, admin, purchase(member["id"], line("maintenance", "1000.00", "0.35")))  # 480.00 points
    r = await client.post(
        f"/v1/customers/{member['id']}/points/redemptions", json={"points": "200.00"}, headers=admin
    )
    assert r.status_code == 201, r.text
    assert (r.json()["balance"], r.json()["lifetime_points"], r.json()["value"]) == (
        "280.00",
        "480.00",
        "2.00",
    )
    short = await client.post(
        f"/v1/customers/{member['id']}/points/redemptions", json={"points": "280.01"}, headers=admin
    )
    assert short.status_code == 409 and short.json()["balance"] == "280.00"
    points = (await client.get(f"/v1/customers/{member['id']}/points", headers=admin)).json()
    assert (points["balance"], points["lifetime_points"], points["balance_value"]) == (
        "280.00",
        "480.00",
        "2.80",
    )
    ledger = (await client.get(f"/v1/customers/{member['id']}/points/ledger", headers=admin)).json()["items"]
    assert [e["kind"] for e in ledger] == ["redeem", "earn"]
    earn = ledger[1]
    assert (earn["profit_points"], earn["consumption_points"], earn["x"], earn["rebate"]) == (
        "350.00",
        "1000.00",
        "0.8",
        "0.00",
    )
    await ledger_matches_totals(client, admin, member["id"])


async def test_refund_after_redemption_makes_balance_negative_and_blocks_redemption(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, phase="maintenance")
    txn = (await post(client, admin, purchase(member["id"], line("maintenance", "1000.00", "0.35")))).json()
    await client.post(
        f"/v1/customers/{member['id']}/points/redemptions", json={"points": "400.00"}, headers=admin
    )
    refund = await client.post(f"/v1/transactions/{txn['id']}/refunds", json={}, headers=admin)
    assert refund.json()["balance"] == "-400.00"
    blocked = await client.post(
        f"/v1/customers/{member['id']}/points/redemptions", json={"points": "0.01"}, headers=admin
    )
    assert blocked.status_code == 409
    await ledger_matches_totals(client, admin, member["id"])


async def test_adjustments(client: httpx.AsyncClient, admin: dict[str, str], app: object) -> None:
    member = await new_member(client, admin)
    url = f"/v1/customers/{member['id']}/points/adjustments"
    legacy = await client.post(
        url, json={"points": "21000.00", "reason": "legacy DMS", "counts_toward_tier": True}, headers=admin
    )
    assert legacy.status_code == 201 and legacy.json()["tier"] == "gold"
    goodwill = await client.post(url, json={"points": "-100.00", "reason": "correction"}, headers=admin)
    assert (goodwill.json()["balance"], goodwill.json()["lifetime_points"]) == ("20900.00", "21000.00")
    assert goodwill.json()["value"] == "-1.00"  # 100 points taken, at 0.01: signed like the points
    below = await client.post(
        url, json={"points": "-30000.00", "reason": "x", "counts_toward_tier": True}, headers=admin
    )
    assert below.status_code == 422 and below.json()["errors"][0]["field"] == "points"
    no_reason = await client.post(url, json={"points": "5.00"}, headers=admin)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    from app.models.integration.api_keys import Scope
    from tests.conftest import make_key

    writer = await make_key(app, Scope.points_write)  # type: ignore[arg-type]
    assert (await client.post(url, json={"points": "5.00", "reason": "x"}, headers=writer)).status_code == 403
    await ledger_matches_totals(client, admin, member["id"])


async def test_ledger_paginates_newest_first(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    for _ in range(5):
        await post(client, admin, purchase(member["id"], line("parts", "10.00")))
    first = (
        await client.get(f"/v1/customers/{member['id']}/points/ledger", params={"limit": 3}, headers=admin)
    ).json()
    assert [e["entry_no"] for e in first["items"]] == [5, 4, 3]
    rest = (
        await client.get(
            f"/v1/customers/{member['id']}/points/ledger",
            params={"limit": 3, "cursor": first["next_cursor"]},
            headers=admin,
        )
    ).json()
    assert [e["entry_no"] for e in rest["items"]] == [2, 1] and rest["next_cursor"] is None


async def test_unknown_member(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for path in ("tier", "points", "points/ledger"):
        r = await client.get(f"/v1/customers/cus_nope/{path}", headers=admin)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
