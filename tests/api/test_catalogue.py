"""Tier table, service types and points settings."""

from __future__ import annotations

import httpx

from tests.helpers import line, new_member, post, purchase, put_current

DEALER_TIERS = [
    {"code": "standard", "name": "Standard", "threshold": "0", "rebate_rate": "0"},
    {"code": "silver", "name": "Silver", "threshold": "5000", "rebate_rate": "0.05"},
]


async def test_tier_table_is_validated(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    cases = [
        ([{**DEALER_TIERS[0], "threshold": "10"}], "tiers[0].threshold"),
        ([DEALER_TIERS[0], {**DEALER_TIERS[1], "code": "standard"}], "tiers[1].code"),
        ([DEALER_TIERS[0], {**DEALER_TIERS[1], "threshold": "0"}], "tiers[1].threshold"),
        ([DEALER_TIERS[0], {**DEALER_TIERS[1], "rebate_rate": "1"}], "tiers[1].rebate_rate"),
        ([{**DEALER_TIERS[0], "allowed_services": ["spa"]}], "tiers[0].allowed_services"),
        ([], "tiers"),
    ]
    before = (await client.get("/v1/tiers", headers=admin)).json()
    for tiers, field in cases:
        r = await put_current(client, "/v1/tiers", {"tiers": tiers}, admin)
        assert r.status_code == 422, (field, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert (await client.get("/v1/tiers", headers=admin)).json() == before


async def test_changing_the_table_regrades_every_member(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, phase="maintenance")
    await post(client, admin, purchase(member["id"], line("maintenance", "10000.00", "0.35")))  # 4800.00
    assert (await client.get(f"/v1/customers/{member['id']}/tier", headers=admin)).json()[
        "tier"
    ] == "standard"
    lower = [DEALER_TIERS[0], {**DEALER_TIERS[1], "threshold": "4000"}]
    r = await put_current(client, "/v1/tiers", {"tiers": lower}, admin)
    assert r.status_code == 200 and [t["code"] for t in r.json()["tiers"]] == ["standard", "silver"]
    tier = (await client.get(f"/v1/customers/{member['id']}/tier", headers=admin)).json()
    assert (tier["tier"], tier["next_tier"], tier["points_to_next_tier"]) == ("silver", None, None)
    by_tier = (await client.get("/v1/customers", params={"tier": "silver"}, headers=admin)).json()["items"]
    assert [m["id"] for m in by_tier] == [member["id"]]


async def test_service_types(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    body = {
        "code": "detailing",
        "name": "Detailing",
        "category": "after-sales",
        "average_margin": "0.45",
        "points_weight": "1.5",
    }
    created = await client.post("/v1/service-types", json=body, headers=admin)
    assert created.status_code == 201 and created.json()["points_weight"] == "1.5"
    assert (await client.post("/v1/service-types", json=body, headers=admin)).status_code == 409
    patched = await client.patch("/v1/service-types/detailing", json={"average_margin": "0.5"}, headers=admin)
    assert patched.json()["average_margin"] == "0.5"
    assert (
        await client.patch("/v1/service-types/nope", json={"name": "x"}, headers=admin)
    ).status_code == 404
    bad = await client.post(
        "/v1/service-types", json={**body, "code": "x", "average_margin": "1.5"}, headers=admin
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "average_margin"
    codes = [s["code"] for s in (await client.get("/v1/service-types", headers=admin)).json()["items"]]
    assert "detailing" in codes and "new_car" in codes


async def test_settings_are_validated_logged_and_apply_forward(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    current = (await client.get("/v1/points/settings", headers=admin)).json()
    assert (current["x_maintenance"], current["y_maintenance"], current["point_value"]) == (
        "0.8",
        "0.2",
        "0.01",
    )
    body = {
        k: current[k]
        for k in (
            "x_development",
            "x_maintenance",
            "point_value",
            "liability_warning",
            "liability_critical",
            "liability_target",
        )
    }
    for bad, field in (
        ({"x_maintenance": "0.5"}, "x_maintenance"),
        ({"x_development": "1.5"}, "x_development"),
        ({"liability_critical": "1.00"}, "liability_critical"),
        ({"point_value": "0"}, "point_value"),
    ):
        r = await put_current(client, "/v1/points/settings", body | bad, admin)
        assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], (bad, r.text)
    member = await new_member(client, admin, phase="maintenance")
    before = (await post(client, admin, purchase(member["id"], line("maintenance", "100.00", "0.5")))).json()
    ok = await put_current(client, "/v1/points/settings", body | {"x_maintenance": "0.9"}, admin)
    assert ok.status_code == 200 and ok.json()["y_maintenance"] == "0.1"
    after = (await post(client, admin, purchase(member["id"], line("maintenance", "100.00", "0.5")))).json()
    assert (before["x"], after["x"]) == ("0.8", "0.9")
    assert (await client.get(f"/v1/transactions/{before['id']}", headers=admin)).json()["x"] == "0.8"
    history = (await client.get("/v1/points/settings/history", headers=admin)).json()["items"]
    assert history[0]["before"]["x_maintenance"] == "0.8" and history[0]["after"]["x_maintenance"] == "0.9"
