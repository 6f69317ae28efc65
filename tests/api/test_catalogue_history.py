"""Tier-table and service-type history, re-grade ledger entries, retiring service types."""

from __future__ import annotations

from decimal import Decimal

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from app.models.integration.api_keys import Scope
from tests.conftest import make_key
from tests.helpers import ledger_matches_totals, line, new_member, post, purchase

LOWER = [
    {"code": "standard", "name": "Standard", "threshold": "0", "rebate_rate": "0"},
    {"code": "silver", "name": "Silver", "threshold": "1000", "rebate_rate": "0.05"},
]


async def test_a_table_change_is_logged_and_leaves_a_regrade_entry(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    moved = await new_member(client, admin, phase="maintenance")
    stays = await new_member(client, admin, phase="maintenance")
    await post(client, admin, purchase(moved["id"], line("maintenance", "3000.00", "0.35")))  # 1440.00
    before = (await client.get("/v1/tiers", headers=admin)).json()["tiers"]
    r = await client.put("/v1/tiers", json={"tiers": LOWER}, headers={**admin, "If-Match": "*"})
    assert r.status_code == 200, r.text

    ledger = (await client.get(f"/v1/customers/{moved['id']}/points/ledger", headers=admin)).json()["items"]
    regrade = ledger[0]
    assert (regrade["kind"], regrade["points"], regrade["entry_no"]) == ("regrade", "0.00", 2)
    assert (regrade["tier_before"], regrade["tier_after"]) == ("standard", "silver")
    assert regrade["balance_after"] == regrade["lifetime_after"] == ledger[1]["lifetime_after"]
    await ledger_matches_totals(client, admin, moved["id"])
    assert (await client.get(f"/v1/customers/{stays['id']}/points/ledger", headers=admin)).json()[
        "items"
    ] == []
    # the member's next purchase follows the re-grade entry and gets the new rebate
    after = await post(client, admin, purchase(moved["id"], line("maintenance", "100.00", "0.35")))
    assert (after.json()["tier_before"], after.json()["rebate_rate"]) == ("silver", "0.05")
    await ledger_matches_totals(client, admin, moved["id"])

    history = (await client.get("/v1/tiers/history", headers=admin)).json()
    change = history["items"][0]
    assert change["before"] == before and [t["code"] for t in change["after"]] == ["standard", "silver"]
    assert change["regraded"] == 1 and change["api_key_id"] and change["code"] is None


async def test_history_pages_and_needs_admin(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for threshold in ("1000", "2000", "3000"):
        body = [LOWER[0], {**LOWER[1], "threshold": threshold}]
        assert (
            await client.put("/v1/tiers", json={"tiers": body}, headers={**admin, "If-Match": "*"})
        ).status_code == 200
    page = (await client.get("/v1/tiers/history", params={"limit": 2}, headers=admin)).json()
    assert [c["after"][1]["threshold"] for c in page["items"]] == ["3000.00", "2000.00"]
    rest = (
        await client.get(
            "/v1/tiers/history", params={"limit": 2, "cursor": page["next_cursor"]}, headers=admin
        )
    ).json()
    assert rest["items"][0]["after"][1]["threshold"] == "1000.00"
    reader = await make_key(app, Scope.members_read)
    assert (await client.get("/v1/tiers/history", headers=reader)).status_code == 403


async def test_service_type_changes_are_logged(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    body = {"code": "detailing", "name": "Detailing", "category": "after-sales", "average_margin": "0.45"}
    assert (await client.post("/v1/service-types", json=body, headers=admin)).status_code == 201
    r = await client.patch("/v1/service-types/detailing", json={"average_margin": "0.5"}, headers=admin)
    assert r.status_code == 200
    items = (await client.get("/v1/service-types/history", headers=admin)).json()["items"]
    assert [c["code"] for c in items[:2]] == ["detailing", "detailing"]
    assert (items[0]["before"]["average_margin"], items[0]["after"]["average_margin"]) == ("0.45", "0.5")
    assert items[1]["before"] is None and items[1]["after"]["name"] == "Detailing"


async def test_duplicate_service_type_has_its_own_code(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    body = {"code": "detailing", "name": "Detailing", "category": "after-sales", "average_margin": "0.45"}
    assert (await client.post("/v1/service-types", json=body, headers=admin)).status_code == 201
    again = await client.post("/v1/service-types", json=body, headers=admin)
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["existing_id"]) == ("duplicate_service_type", "detailing")


async def test_service_types_are_a_paged_list(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    everything = (await client.get("/v1/service-types", headers=admin)).json()
    assert everything["next_cursor"] is None and len(everything["items"]) == 7
    codes, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/service-types", params=params, headers=admin)).json()
        codes += [s["code"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert codes == [s["code"] for s in everything["items"]] == sorted(codes)
    bad = await client.get("/v1/service-types", params={"cursor": "zz"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_a_retired_service_type_is_refused_on_new_lines_only(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, phase="maintenance")
    posted = (await post(client, admin, purchase(member["id"], line("parts", "100.00", "0.25")))).json()
    r = await client.patch("/v1/service-types/parts", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    listed = {
        s["code"]: s["active"] for s in (await client.get("/v1/service-types", headers=admin)).json()["items"]
    }
    assert listed["parts"] is False and listed["maintenance"] is True
    body = purchase(member["id"], line("maintenance", "50.00"), line("parts", "100.00"))
    for path in ("/v1/transactions", "/v1/transactions/quote"):
        refused = await client.post(path, json=body, headers=admin)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["lines[1].service_type"]
    read = await client.get(f"/v1/transactions/{posted['id']}", headers=admin)
    assert read.status_code == 200 and read.json()["lines"][0]["service_type"] == "parts"
    refund = await client.post(f"/v1/transactions/{posted['id']}/refunds", json={}, headers=admin)
    assert refund.status_code == 201, refund.text
    back = await client.patch("/v1/service-types/parts", json={"active": True}, headers=admin)
    assert back.json()["active"] is True
    assert (await post(client, admin, body)).status_code == 201
    nulled = await client.patch("/v1/service-types/parts", json={"active": None}, headers=admin)
    assert nulled.status_code == 422 and nulled.json()["errors"][0]["field"] == "active"


async def test_a_bad_stored_row_can_still_be_read_and_retired(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], is_postgres: bool
) -> None:
    """Rows stored before the limits were enforced are listed, used and retired, never a 500."""
    code = "x" * 32 if is_postgres else "y" * 40  # PostgreSQL's column holds 32; SQLite any length

    async def store(session) -> None:  # type: ignore[no-untyped-def]
        await session.execute(
            text(
                "INSERT INTO service_type (code, name, category, average_margin, points_weight, active, "
                "created_at) VALUES (:code, '', '', 3000, 10000, true, CURRENT_TIMESTAMP)"
            ),
            {"code": code},
        )
        await session.execute(text("UPDATE points_settings SET catalogue_version = catalogue_version + 1"))

    await app.state.db.run(store)
    listed = await client.get("/v1/service-types", params={"limit": 500}, headers=admin)
    assert listed.status_code == 200 and code in [s["code"] for s in listed.json()["items"]]
    member = await new_member(client, admin, phase="maintenance")
    posted = await post(client, admin, purchase(member["id"], line("maintenance", "100.00")))
    assert posted.status_code == 201
    quoted = await client.post(
        "/v1/transactions/quote", json=purchase(member["id"], line("parts", "10.00")), headers=admin
    )
    assert quoted.status_code == 200
    redeemed = await client.post(
        f"/v1/customers/{member['id']}/points/redemptions", json={"points": "1.00"}, headers=admin
    )
    assert redeemed.status_code == 201
    assert (await client.get(f"/v1/customers/{member['id']}/tier", headers=admin)).status_code == 200
    table = (await client.get("/v1/tiers", headers=admin)).json()
    assert (await client.put("/v1/tiers", json=table, headers={**admin, "If-Match": "*"})).status_code == 200
    retired = await client.patch(f"/v1/service-types/{code}", json={"active": False}, headers=admin)
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert Decimal(posted.json()["points"]) > 0
