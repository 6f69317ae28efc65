"""A store-bound key on CRM objects: it reaches those of the members it sees, and changes a
member's own data (vehicles, contacts) only for its store's members; the rest is 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from app.models.integration.api_keys import Scope
from tests.conftest import make_key
from tests.helpers import consent, line, new_member, post, purchase, vin

EVERY = (Scope.members_read, Scope.members_write, Scope.transactions_write)


async def _car(client: httpx.AsyncClient, admin: dict[str, str], member: str, serial: int) -> dict[str, Any]:
    made = await client.post(
        f"/v1/customers/{member}/vehicles",
        json={"vin": vin(serial), "plate": f"粤B{serial:05d}"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


async def test_another_stores_vehicle_is_404_until_the_store_sells_to_its_owner(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, store_id="dealer-01")
    car = await _car(client, admin, member["id"], 1)
    other = await make_key(app, *EVERY, store_id="dealer-02")
    veh = f"/v1/vehicles/{car['id']}"
    for method, path, body in [
        ("GET", veh, None),
        ("PATCH", veh, {"make": "VW"}),
        ("GET", f"{veh}/mileage", None),
        ("POST", f"{veh}/mileage", {"reading_km": 10}),
        ("GET", f"/v1/customers/{member['id']}/vehicles", None),
        ("POST", f"/v1/customers/{member['id']}/vehicles", {"vin": vin(2)}),
        ("POST", f"/v1/customers/{member['id']}/maintenance", {"service_type": "maintenance"}),
        ("GET", f"/v1/customers/{member['id']}/services", None),
    ]:
        r = await client.request(method, path, json=body, headers=other)
        assert r.status_code == 404 and r.json()["code"] == "not_found", (method, path, r.text)
    for query in ({"vin": car["vin"]}, {"plate": car["plate"]}, {}):
        found = (await client.get("/v1/vehicles", params=query, headers=other)).json()
        assert found["items"] == [], query
    assert (await client.get(veh, headers=admin)).json()["odometer_km"] is None  # nothing changed
    taken = await client.post(
        f"/v1/customers/{(await new_member(client, other))['id']}/vehicles",
        json={"vin": car["vin"]},
        headers=other,
    )
    assert taken.status_code == 409 and taken.json()["existing_id"] == car["id"]  # one VIN register

    sold = await post(client, other, purchase(member["id"], line("parts", "10.00"), store_id="dealer-02"))
    assert sold.status_code == 201
    assert (await client.get(veh, headers=other)).status_code == 200
    assert [
        v["id"]
        for v in (await client.get("/v1/vehicles", params={"vin": car["vin"]}, headers=other)).json()["items"]
    ] == [car["id"]]
    reading = await client.post(f"{veh}/mileage", json={"reading_km": 8000}, headers=other)
    assert reading.status_code == 201
    done = await client.post(
        f"/v1/customers/{member['id']}/maintenance",
        json={"service_type": "maintenance", "vehicle_id": car["id"], "mileage_km": 9000},
        headers=other,
    )
    assert done.status_code == 201 and done.json()["store_id"] == "dealer-02"  # recorded at its store
    elsewhere = await client.post(
        f"/v1/customers/{member['id']}/maintenance",
        json={"service_type": "maintenance", "store_id": "dealer-01"},
        headers=other,
    )
    assert elsewhere.status_code == 403 and elsewhere.json()["code"] == "store_not_allowed"
    for method, path, body in [
        ("PATCH", veh, {"plate": "粤B99999"}),
        ("POST", f"/v1/customers/{member['id']}/vehicles", {"vin": vin(3)}),
    ]:
        r = await client.request(method, path, json=body, headers=other)
        assert r.status_code == 403 and r.json()["code"] == "store_not_allowed", (method, path, r.text)
    after = (await client.get(veh, headers=admin)).json()
    assert (after["plate"], after["odometer_km"]) == (car["plate"], 9000)
    history = (await client.get(f"/v1/customers/{member['id']}/maintenance", headers=other)).json()
    assert [m["id"] for m in history["items"]] == [done.json()["id"]]
    own = await make_key(app, *EVERY, store_id="dealer-01")
    assert (await client.patch(veh, json={"plate": "粤B99999"}, headers=own)).status_code == 200


async def test_contacts_change_only_at_the_members_store_activities_wherever_it_is_seen(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    company = await new_member(client, admin, name="顺达物流", kind="company", store_id="dealer-01")
    other = await make_key(app, *EVERY, store_id="dealer-02")
    base = f"/v1/customers/{company['id']}"
    call = {"type": "call", "channel": "phone", "subject": "fleet renewal"}
    for method, path, body in [
        ("POST", f"{base}/contacts", {"name": "王芳"}),
        ("GET", f"{base}/contacts", None),
        ("POST", f"{base}/activities", call),
        ("GET", f"{base}/activities", None),
    ]:
        assert (await client.request(method, path, json=body, headers=other)).status_code == 404, path
    await post(client, other, purchase(company["id"], line("parts", "10.00"), store_id="dealer-02"))
    refused = await client.post(f"{base}/contacts", json={"name": "王芳"}, headers=other)
    assert refused.status_code == 403 and refused.json()["code"] == "store_not_allowed"
    assert (await client.post(f"{base}/activities", json=call, headers=other)).status_code == 201
    assert len((await client.get(f"{base}/activities", headers=other)).json()["items"]) == 1
    assert (await client.get(f"{base}/contacts", headers=other)).json()["items"] == []


async def test_a_store_sees_only_its_tickets_of_members_it_sees(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, store_id="dealer-01")
    mine = await make_key(app, *EVERY, store_id="dealer-01")
    other = await make_key(app, *EVERY, store_id="dealer-02")
    body = {"customer_id": member["id"], "kind": "complaint", "subject": "waited"}
    ours = (await client.post("/v1/tickets", json=body, headers=mine)).json()
    assert ours["store_id"] == "dealer-01"  # an omitted store is the key's
    group = (await client.post("/v1/tickets", json=body, headers=admin)).json()
    assert group["store_id"] is None
    unseen = await client.post("/v1/tickets", json=body, headers=other)
    assert unseen.status_code == 422 and unseen.json()["errors"][0]["field"] == "customer_id"

    listed = (await client.get("/v1/tickets", headers=mine)).json()["items"]
    assert [t["id"] for t in listed] == [ours["id"]]
    assert (await client.get(f"/v1/tickets/{group['id']}", headers=mine)).status_code == 404
    assert len((await client.get("/v1/tickets", headers=admin)).json()["items"]) == 2

    await post(client, other, purchase(member["id"], line("parts", "10.00"), store_id="dealer-02"))
    theirs = (await client.post("/v1/tickets", json=body, headers=other)).json()
    assert theirs["store_id"] == "dealer-02"
    assert [t["id"] for t in (await client.get("/v1/tickets", headers=other)).json()["items"]] == [
        theirs["id"]
    ]
    assert (await client.get("/v1/tickets", params={"store_id": "dealer-01"}, headers=other)).json()[
        "items"
    ] == []
    task = (await client.post(f"/v1/tickets/{ours['id']}/tasks", json={"title": "t"}, headers=mine)).json()
    t = f"/v1/tickets/{ours['id']}"
    for method, path, payload in [
        ("GET", t, None),
        ("PATCH", t, {"status": "in_progress"}),
        ("GET", f"{t}/tasks", None),
        ("POST", f"{t}/tasks", {"title": "x"}),
        ("PATCH", f"{t}/tasks/{task['id']}", {"done": True}),
    ]:
        r = await client.request(method, path, json=payload, headers=other)
        assert r.status_code == 404 and r.json()["code"] == "not_found", (method, path)
    still = (await client.get(t, headers=admin)).json()
    assert (still["status"], still["open_tasks"]) == ("open", 1)
    assert (await client.patch(t, json={"status": "in_progress"}, headers=mine)).status_code == 200


async def _reminders_of(client: httpx.AsyncClient, admin: dict[str, str], store: str, serial: int) -> str:
    """A member of `store` with a reminder of every kind due within 30 days."""
    today = datetime.now(UTC).date()
    soon = (today + timedelta(days=3)).replace(year=1984).isoformat()
    member = await new_member(client, admin, store_id=store, kind="company", birthday=soon)
    await consent(client, admin, member["id"], wechat=True)
    base = f"/v1/customers/{member['id']}"
    await client.post(f"{base}/contacts", json={"name": "王芳", "birthday": soon}, headers=admin)
    car = await client.post(
        f"{base}/vehicles",
        json={"vin": vin(serial), "purchase_date": soon.replace("1984", "2020")},
        headers=admin,
    )
    follow = {"type": "call", "channel": "phone", "subject": "s", "follow_up_on": today.isoformat()}
    await client.post(f"{base}/activities", json=follow, headers=admin)
    old = (today - timedelta(days=175)).isoformat()
    record = {"service_type": "maintenance", "vehicle_id": car.json()["id"], "performed_on": old}
    assert (await client.post(f"{base}/maintenance", json=record, headers=admin)).status_code == 201
    return str(member["id"])


async def test_reminders_are_those_of_the_members_a_store_sees(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    await client.patch(
        "/v1/service-types/maintenance", json={"maintenance_interval_days": 180}, headers=admin
    )
    first = await _reminders_of(client, admin, "dealer-01", 1)
    second = await _reminders_of(client, admin, "dealer-02", 2)
    mine = await make_key(app, Scope.members_read, store_id="dealer-01")

    async def reminders(headers: dict[str, str]) -> list[tuple[str, str]]:
        items = (await client.get("/v1/reminders", headers=headers)).json()["items"]
        return sorted((r["customer_id"], r["kind"]) for r in items)

    everything = await reminders(admin)
    kinds = ["birthday", "birthday", "follow_up", "maintenance_due", "purchase_anniversary"]
    assert everything == sorted([(first, k) for k in kinds] + [(second, k) for k in kinds])
    assert await reminders(mine) == [(first, k) for k in kinds]
    await post(client, admin, purchase(second, line("parts", "10.00"), store_id="dealer-01"))
    assert await reminders(mine) == everything  # it sold to the second member: it sees it now


async def test_a_store_admin_overrides_tier_services_for_its_store(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, store_id="dealer-02")
    await post(client, admin, purchase(member["id"], line("parts", "10.00"), store_id="dealer-01"))
    store_admin = await make_key(app, Scope.admin, store_id="dealer-01")
    url = f"/v1/customers/{member['id']}/maintenance"
    goodwill = {"service_type": "insurance", "override": True, "override_reason": "recall goodwill"}
    done = await client.post(url, json=goodwill, headers=store_admin)
    assert done.status_code == 201, done.text
    record = done.json()
    assert (record["store_id"], record["override_reason"]) == ("dealer-01", "recall goodwill")
    assert record["override_by"] is not None
    away = await client.post(url, json={**goodwill, "store_id": "dealer-02"}, headers=store_admin)
    assert away.status_code == 403 and away.json()["code"] == "store_not_allowed"
    clerk = await make_key(app, *EVERY, store_id="dealer-01")
    assert (await client.post(url, json=goodwill, headers=clerk)).status_code == 403
