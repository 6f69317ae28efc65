"""Reminders over real data: each kind, the window, stable keys, a controllable `today`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from fastapi import FastAPI

from app.domain.crm.reminders import ReminderKind
from app.services.crm.reminders import list_reminders
from tests.helpers import consent, new_member

VIN = "1M8GDM9AXKP042788"


async def _setup(client: httpx.AsyncClient, admin: dict[str, str], today: date) -> dict[str, str]:
    await client.patch(
        "/v1/service-types/maintenance", json={"maintenance_interval_days": 180}, headers=admin
    )
    member = await new_member(
        client, admin, name="张三", birthday=(today + timedelta(days=3)).replace(year=1984).isoformat()
    )
    await consent(client, admin, member["id"])
    vehicle = (
        await client.post(
            f"/v1/customers/{member['id']}/vehicles",
            json={
                "vin": VIN,
                "purchase_date": (today + timedelta(days=5)).replace(year=today.year - 4).isoformat(),
            },
            headers=admin,
        )
    ).json()
    activity = (
        await client.post(
            f"/v1/customers/{member['id']}/activities",
            json={
                "type": "call",
                "channel": "phone",
                "subject": "winter tyres",
                "follow_up_on": (today + timedelta(days=7)).isoformat(),
            },
            headers=admin,
        )
    ).json()
    maintenance = (
        await client.post(
            f"/v1/customers/{member['id']}/maintenance",
            json={
                "service_type": "maintenance",
                "vehicle_id": vehicle["id"],
                "performed_on": (today - timedelta(days=170)).isoformat(),
            },
            headers=admin,
        )
    ).json()
    return {
        "member": member["id"],
        "vehicle": vehicle["id"],
        "activity": activity["id"],
        "record": maintenance["id"],
    }


async def test_every_kind_is_listed_with_a_stable_key(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    today = datetime.now(UTC).date()  # the API's today; the dates are relative to it
    ids = await _setup(client, admin, today)
    page = (await client.get("/v1/reminders", params={"days": 30}, headers=admin)).json()
    kinds = {r["kind"]: r for r in page["items"]}
    assert set(kinds) == {k.value for k in ReminderKind}
    assert [r["due_on"] for r in page["items"]] == sorted(r["due_on"] for r in page["items"])
    assert kinds["follow_up"]["key"] == f"follow_up:{ids['activity']}"
    assert (
        kinds["maintenance_due"]["key"]
        == f"maintenance_due:{ids['member']}:{ids['vehicle']}:maintenance:{ids['record']}"
    )
    assert kinds["maintenance_due"]["due_on"] == (today + timedelta(days=10)).isoformat()
    again = (await client.get("/v1/reminders", params={"days": 30}, headers=admin)).json()
    assert again == page
    short = (await client.get("/v1/reminders", params={"days": 4}, headers=admin)).json()
    assert [r["kind"] for r in short["items"]] == ["birthday"]
    first = (await client.get("/v1/reminders", params={"days": 30, "limit": 3}, headers=admin)).json()
    rest = (
        await client.get(
            "/v1/reminders", params={"days": 30, "limit": 3, "cursor": first["next_cursor"]}, headers=admin
        )
    ).json()
    assert first["items"] + rest["items"] == page["items"] and rest["next_cursor"] is None
    assert (await client.get("/v1/reminders", params={"days": 400}, headers=admin)).status_code == 422


async def test_a_newer_maintenance_ends_the_reminder(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    today = date(2025, 3, 10)  # a past day: the service takes any `today`
    ids = await _setup(client, admin, today)
    due = [
        r
        for r in await app.state.db.run(lambda s: list_reminders(s, today, 30))
        if r.kind == "maintenance_due"
    ]
    assert len(due) == 1
    await client.post(
        f"/v1/customers/{ids['member']}/maintenance",
        json={"service_type": "maintenance", "vehicle_id": ids["vehicle"], "performed_on": today.isoformat()},
        headers=admin,
    )
    later = await app.state.db.run(lambda s: list_reminders(s, today, 30))
    assert [r for r in later if r.kind == "maintenance_due"] == []
    await client.delete(f"/v1/customers/{ids['member']}", headers=admin)
    assert await app.state.db.run(lambda s: list_reminders(s, today, 366)) == []


async def test_contacts_of_companies_have_birthdays_too(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    today = date(2025, 3, 10)
    company = await new_member(client, admin, name="顺达物流", kind="company")
    await consent(client, admin, company["id"])
    contact = (
        await client.post(
            f"/v1/customers/{company['id']}/contacts",
            json={"name": "王芳", "birthday": "1980-03-12"},
            headers=admin,
        )
    ).json()
    found = await app.state.db.run(lambda s: list_reminders(s, today, 7))
    assert [(r.kind, r.key, r.customer_id, r.contact_id) for r in found] == [
        ("birthday", f"birthday:{contact['id']}:2025-03-12", company["id"], contact["id"])
    ]
