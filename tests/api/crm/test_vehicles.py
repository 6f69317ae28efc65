"""Vehicles: VIN check, unique VIN, plate normalised, mileage only forward unless corrected."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.models.integration.api_keys import Scope
from tests.conftest import make_key
from tests.helpers import new_member

VIN = "1M8GDM9AXKP042788"


async def test_register_read_update_and_list(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    body = {
        "vin": " 1m8gdm9axkp042788 ",
        "plate": "粤b 12345",
        "make": "VW",
        "model": "Tiguan L",
        "model_year": 2024,
        "purchase_date": "2024-05-18",
        "odometer_km": 1200,
    }
    created = await client.post(f"/v1/customers/{member['id']}/vehicles", json=body, headers=admin)
    assert created.status_code == 201, created.text
    vehicle = created.json()
    assert (vehicle["vin"], vehicle["plate"], vehicle["odometer_km"]) == (VIN, "粤B12345", 1200)
    assert (await client.get(f"/v1/vehicles/{vehicle['id']}", headers=admin)).json() == vehicle
    patched = await client.patch(f"/v1/vehicles/{vehicle['id']}", json={"plate": "粤B67890"}, headers=admin)
    assert patched.status_code == 200 and patched.json()["plate"] == "粤B67890"
    listed = (await client.get(f"/v1/customers/{member['id']}/vehicles", headers=admin)).json()
    assert [v["id"] for v in listed["items"]] == [vehicle["id"]] and listed["next_cursor"] is None
    readings = (await client.get(f"/v1/vehicles/{vehicle['id']}/mileage", headers=admin)).json()["items"]
    assert [(x["reading_km"], x["source"]) for x in readings] == [(1200, "registration")]


async def test_bad_vin_is_refused_naming_the_field(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    for vin in ("1M8GDM9A1KP042788", "1M8GDM9AXKP04278O", "SHORT"):
        r = await client.post(f"/v1/customers/{member['id']}/vehicles", json={"vin": vin}, headers=admin)
        assert r.status_code == 422, vin
        assert r.json()["errors"][0]["field"] == "vin"
    listed = (await client.get(f"/v1/customers/{member['id']}/vehicles", headers=admin)).json()
    assert listed["items"] == []


async def test_a_vin_is_registered_once(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    first, second = await new_member(client, admin), await new_member(client, admin)
    one = await client.post(f"/v1/customers/{first['id']}/vehicles", json={"vin": VIN}, headers=admin)
    again = await client.post(
        f"/v1/customers/{second['id']}/vehicles", json={"vin": VIN.lower()}, headers=admin
    )
    assert again.status_code == 409 and again.json()["existing_id"] == one.json()["id"]


async def test_mileage_goes_forward_unless_corrected(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin)
    vehicle = (
        await client.post(f"/v1/customers/{member['id']}/vehicles", json={"vin": VIN}, headers=admin)
    ).json()
    url = f"/v1/vehicles/{vehicle['id']}/mileage"
    assert (await client.post(url, json={"reading_km": 15000}, headers=admin)).status_code == 201
    back = await client.post(url, json={"reading_km": 1500}, headers=admin)
    assert back.status_code == 409 and back.json()["code"] == "mileage_went_back"
    no_note = await client.post(url, json={"reading_km": 1500, "correction": True}, headers=admin)
    assert no_note.status_code == 422
    fixed = await client.post(
        url, json={"reading_km": 1500, "correction": True, "note": "typo: one zero too many"}, headers=admin
    )
    assert fixed.status_code == 201 and fixed.json()["correction"] is True
    assert (await client.get(f"/v1/vehicles/{vehicle['id']}", headers=admin)).json()["odometer_km"] == 1500
    readings = (await client.get(url, headers=admin)).json()["items"]
    assert [x["reading_km"] for x in readings] == [1500, 15000]


async def test_scopes_and_unknown_ids(client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    reader = await make_key(app, Scope.members_read)
    refused = await client.post(f"/v1/customers/{member['id']}/vehicles", json={"vin": VIN}, headers=reader)
    assert refused.status_code == 403
    assert (await client.get(f"/v1/customers/{member['id']}/vehicles", headers=reader)).status_code == 200
    assert (
        await client.post("/v1/customers/cus_nope/vehicles", json={"vin": VIN}, headers=admin)
    ).status_code == 404
    assert (await client.get("/v1/vehicles/veh_nope", headers=admin)).status_code == 404
    vehicle = (
        await client.post(f"/v1/customers/{member['id']}/vehicles", json={"vin": VIN}, headers=admin)
    ).json()
    await client.delete(f"/v1/customers/{member['id']}", headers=admin)
    assert (await client.get(f"/v1/vehicles/{vehicle['id']}", headers=admin)).status_code == 404


async def test_create_is_idempotent(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    headers = {**admin, "Idempotency-Key": "veh-1"}
    url = f"/v1/customers/{member['id']}/vehicles"
    first = await client.post(url, json={"vin": VIN}, headers=headers)
    replay = await client.post(url, json={"vin": VIN}, headers=headers)
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"


async def test_find_by_vin_or_plate(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    body = {"vin": VIN, "plate": "粤B 12345"}
    vehicle = (await client.post(f"/v1/customers/{member['id']}/vehicles", json=body, headers=admin)).json()
    spaced_vin = f"{VIN[:3]} {VIN[3:9]}-{VIN[9:]}"
    searches = ({"vin": VIN.lower()}, {"vin": spaced_vin}, {"plate": "粤b12345"}, {"plate": "粤B 123-45"})
    for params in (*searches, {"vin": VIN, "plate": "粤B 12345"}):
        found = (await client.get("/v1/vehicles", params=params, headers=admin)).json()["items"]
        assert [v["id"] for v in found] == [vehicle["id"]], params
    assert (await client.get("/v1/vehicles", params={"plate": "粤B 99999"}, headers=admin)).json()[
        "items"
    ] == []
    await client.delete(f"/v1/customers/{member['id']}", headers=admin)
    assert (await client.get("/v1/vehicles", params={"vin": VIN}, headers=admin)).json()["items"] == []
