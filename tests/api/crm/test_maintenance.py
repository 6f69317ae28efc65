"""Tier services (维护策略): allowed services, maintenance refused outside the tier unless overridden."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from app.models.integration.api_keys import Scope
from tests.conftest import make_key
from tests.helpers import line, new_member, post, purchase

VIN = "1M8GDM9AXKP042788"


async def _member_with_car(client: httpx.AsyncClient, admin: dict[str, str]) -> tuple[dict[str, Any], str]:
    member = await new_member(client, admin)
    vehicle = await client.post(
        f"/v1/customers/{member['id']}/vehicles", json={"vin": VIN, "odometer_km": 5000}, headers=admin
    )
    return member, vehicle.json()["id"]


async def test_services_follow_the_tier(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    url = f"/v1/customers/{member['id']}/services"
    standard = (await client.get(url, headers=admin)).json()
    assert (standard["tier"], standard["tier_name"]) == ("standard", "Standard")
    assert [s["code"] for s in standard["items"]] == ["maintenance", "parts"]
    assert standard["items"][0]["name"] == "Scheduled maintenance"
    assert (
        await post(client, admin, purchase(member["id"], line("repair", "30000.00", "0.3")))
    ).status_code == 201
    upgraded = (await client.get(url, headers=admin)).json()
    assert upgraded["tier"] != "standard" and "repair" in [s["code"] for s in upgraded["items"]]
    assert (await client.get("/v1/customers/cus_nope/services", headers=admin)).status_code == 404


async def test_allowed_maintenance_is_recorded_and_moves_the_odometer(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member, vehicle_id = await _member_with_car(client, admin)
    body = {
        "service_type": "maintenance",
        "vehicle_id": vehicle_id,
        "performed_on": "2026-11-20",
        "mileage_km": 15000,
        "notes": "15k service",
        "store_id": "dealer-01",
    }
    created = await client.post(f"/v1/customers/{member['id']}/maintenance", json=body, headers=admin)
    assert created.status_code == 201, created.text
    record = created.json()
    assert (record["tier"], record["override_reason"], record["mileage_km"]) == ("standard", None, 15000)
    listed = (await client.get(f"/v1/customers/{member['id']}/maintenance", headers=admin)).json()
    assert listed["items"] == [record]
    assert (await client.get(f"/v1/vehicles/{vehicle_id}", headers=admin)).json()["odometer_km"] == 15000
    older = {**body, "performed_on": "2025-11-20", "mileage_km": 4000}  # back-filled history: odometer stays
    assert (
        await client.post(f"/v1/customers/{member['id']}/maintenance", json=older, headers=admin)
    ).status_code == 201
    assert (await client.get(f"/v1/vehicles/{vehicle_id}", headers=admin)).json()["odometer_km"] == 15000


async def test_service_outside_the_tier_needs_an_admin_override(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    member, vehicle_id = await _member_with_car(client, admin)
    url = f"/v1/customers/{member['id']}/maintenance"
    writer = await make_key(app, Scope.members_write)
    body = {"service_type": "repair", "vehicle_id": vehicle_id}
    refused = await client.post(url, json=body, headers=writer)
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["tier"]) == ("service_not_allowed", "standard")
    override = {**body, "override": True, "override_reason": "warranty recall, goodwill"}
    assert (await client.post(url, json=override, headers=writer)).status_code == 403
    assert (await client.post(url, json={**body, "override": True}, headers=admin)).status_code == 422
    granted = await client.post(url, json=override, headers=admin)
    assert granted.status_code == 201
    assert granted.json()["override_reason"] == "warranty recall, goodwill"
    assert granted.json()["override_by"] is not None
    listed = (await client.get(url, headers=admin)).json()["items"]
    assert len(listed) == 1


async def test_bad_references_are_named(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member, vehicle_id = await _member_with_car(client, admin)
    other = await new_member(client, admin)
    url = f"/v1/customers/{other['id']}/maintenance"
    theirs = await client.post(
        url, json={"service_type": "maintenance", "vehicle_id": vehicle_id}, headers=admin
    )
    assert theirs.status_code == 422 and theirs.json()["errors"][0]["field"] == "vehicle_id"
    unknown = await client.post(url, json={"service_type": "teleport"}, headers=admin)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "service_type"
    missing = await client.post(
        url, json={"service_type": "maintenance", "vehicle_id": "veh_x"}, headers=admin
    )
    assert missing.status_code == 404
    gone = await client.post(
        "/v1/customers/cus_nope/maintenance", json={"service_type": "maintenance"}, headers=admin
    )
    assert gone.status_code == 404
    assert (await client.get(f"/v1/customers/{member['id']}/maintenance", headers=admin)).json()[
        "items"
    ] == []


async def test_service_type_takes_maintenance_intervals(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    set_ = await client.patch(
        "/v1/service-types/maintenance",
        json={"maintenance_interval_days": 180, "maintenance_interval_km": 5000},
        headers=admin,
    )
    assert set_.status_code == 200
    assert (set_.json()["maintenance_interval_days"], set_.json()["maintenance_interval_km"]) == (180, 5000)
    cleared = await client.patch(
        "/v1/service-types/maintenance", json={"maintenance_interval_km": None}, headers=admin
    )
    assert (
        cleared.json()["maintenance_interval_km"] is None
        and cleared.json()["maintenance_interval_days"] == 180
    )
    bad = await client.patch(
        "/v1/service-types/maintenance", json={"maintenance_interval_days": 0}, headers=admin
    )
    assert bad.status_code == 422


async def test_records_cannot_be_dated_in_the_future(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member, vehicle_id = await _member_with_car(client, admin)
    later = "2999-01-01"
    r = await client.post(
        f"/v1/customers/{member['id']}/maintenance",
        json={"service_type": "maintenance", "performed_on": later},
        headers=admin,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "performed_on"
    m = await client.post(
        f"/v1/vehicles/{vehicle_id}/mileage", json={"reading_km": 9000, "read_on": later}, headers=admin
    )
    assert m.status_code == 422 and m.json()["errors"][0]["field"] == "read_on"
    assert (await client.get(f"/v1/vehicles/{vehicle_id}", headers=admin)).json()["odometer_km"] == 5000
