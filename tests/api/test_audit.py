"""The audit log: each write records who changed which field from what to what, in the write's
own transaction; secrets never appear; a member's history follows its visibility."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI

from app.models.integration.api_keys import Scope
from tests.api.crm.test_staff import user_key
from tests.conftest import make_key
from tests.helpers import new_member, put_current


async def _events(client: httpx.AsyncClient, admin: dict[str, str], query: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/audit?{query}", headers=admin)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def test_a_member_patch_records_each_changed_field(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    user, key = await user_key(client, admin, "manager")
    member = await new_member(client, admin, store_id="dealer-01", city="深圳", notes="a")
    changed = await client.patch(
        f"/v1/customers/{member['id']}",
        json={"city": "广州", "notes": None, "name": "Test Member"},
        headers=key,
    )
    assert changed.status_code == 200, changed.text
    history = await client.get(f"/v1/customers/{member['id']}/history", headers=admin)
    assert history.status_code == 200
    update, create = history.json()["items"]
    assert update["action"] == "update" and create["action"] == "create"
    assert update["changes"] == [
        {"field": "city", "old": "深圳", "new": "广州"},
        {"field": "notes", "old": "a", "new": None},
    ]
    assert update["user_id"] == user["id"] and update["api_key_id"].startswith("key_")
    assert {"field": "name", "old": None, "new": "Test Member"} in create["changes"]


async def test_a_refused_write_records_nothing(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    taken = await new_member(client, admin, phone="13700000001")
    member = await new_member(client, admin)
    refused = await client.patch(
        f"/v1/customers/{member['id']}", json={"phone": taken["phone"]}, headers=admin
    )
    assert refused.status_code == 409
    assert [e["action"] for e in await _events(client, admin, f"object_id={member['id']}")] == ["create"]


async def test_the_history_of_an_unseen_member_is_404(
    client: httpx.AsyncClient, admin: dict[str, str], app: FastAPI
) -> None:
    member = await new_member(client, admin, store_id="dealer-02")
    other_store = await make_key(app, Scope.members_read, store_id="dealer-01")
    assert (await client.get(f"/v1/customers/{member['id']}/history", headers=other_store)).status_code == 404
    own_store = await make_key(app, Scope.members_read, store_id="dealer-02")
    assert (await client.get(f"/v1/customers/{member['id']}/history", headers=own_store)).status_code == 200
    assert (await client.get("/v1/audit", headers=own_store)).status_code == 403


async def test_a_tier_table_change_is_audited(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    table = (await client.get("/v1/tiers", headers=admin)).json()["tiers"]
    table[1]["rebate_rate"] = "0.07"
    replaced = await put_current(client, "/v1/tiers", {"tiers": table}, admin)
    assert replaced.status_code == 200, replaced.text
    event = (await _events(client, admin, "object_type=tier_table"))[0]  # newest first; the seed's before
    assert event["action"] == "replace" and event["api_key_id"].startswith("key_")
    [change] = event["changes"]
    assert change["field"] == table[1]["code"]
    assert change["old"]["rebate_rate"] == "0.05" and change["new"]["rebate_rate"] == "0.07"


async def test_a_key_creation_is_audited_without_its_secret(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await client.post(
        "/v1/api-keys",
        json={"name": "pos", "scopes": ["transactions:write"], "store_id": "dealer-01"},
        headers=admin,
    )
    assert created.status_code == 201
    secret = created.json()["key"]
    [event] = await _events(client, admin, f"object_type=api_key&object_id={created.json()['id']}")
    assert event["action"] == "create"
    fields = {c["field"]: c["new"] for c in event["changes"]}
    assert fields["scopes"] == ["transactions:write"] and fields["store_id"] == "dealer-01"
    assert secret not in json.dumps(event) and secret.split("_", 2)[-1] not in json.dumps(event)
    assert "key_hash" not in fields and "key" not in fields
    revoked = await client.delete(f"/v1/api-keys/{created.json()['id']}", headers=admin)
    assert revoked.status_code == 200
    actions = [e["action"] for e in await _events(client, admin, f"object_id={created.json()['id']}")]
    assert actions == ["revoke", "create"]


async def test_settings_changes_are_audited(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    points = (await client.get("/v1/points/settings", headers=admin)).json()
    body = {k: v for k, v in points.items() if not k.startswith("y_") and k != "updated_at"}
    body["x_maintenance"] = "0.9"
    assert (await put_current(client, "/v1/points/settings", body, admin)).status_code == 200
    [event] = await _events(client, admin, "object_type=points_settings")
    [change] = [c for c in event["changes"] if c["field"] == "x_maintenance"]
    assert change["old"] == points["x_maintenance"] and change["new"] != change["old"]
    finance = (await client.get("/v1/finance/settings", headers=admin)).json()
    body = {"settle_min_balance": "5.00", "tier_change_alerts": not finance["tier_change_alerts"]}
    replaced = await client.put("/v1/finance/settings", json=body, headers={**admin, "If-Match": "*"})
    assert replaced.status_code == 200, replaced.text
    [event] = await _events(client, admin, "object_type=finance_settings")
    assert {
        "field": "tier_change_alerts",
        "old": finance["tier_change_alerts"],
        "new": body["tier_change_alerts"],
    } in (event["changes"])


async def test_service_types_stores_and_users_are_audited(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    assert (
        await client.patch("/v1/service-types/parts", json={"name": "Spare parts"}, headers=admin)
    ).status_code == 200
    event, created = await _events(client, admin, "object_type=service_type&object_id=parts")
    assert [c["field"] for c in event["changes"]] == ["name"] and created["action"] == "create"
    assert (
        await client.patch("/v1/stores/dealer-03", json={"region": "west"}, headers=admin)
    ).status_code == 200
    [event] = await _events(client, admin, "object_type=store&object_id=dealer-03")
    [change] = event["changes"]
    assert change["field"] == "region" and change["new"] == "west"
    user, _ = await user_key(client, admin, "staff")
    await client.patch(f"/v1/users/{user['id']}", json={"role": "manager"}, headers=admin)
    update, _create = await _events(client, admin, f"object_type=user&object_id={user['id']}")
    assert update["changes"] == [{"field": "role", "old": "staff", "new": "manager"}]


async def test_the_audit_filters(client: httpx.AsyncClient, admin: dict[str, str], app: FastAPI) -> None:
    user, key = await user_key(client, admin, "admin", store_id=None)
    await new_member(client, key)
    await new_member(client, admin)
    by_user = await _events(client, admin, f"actor={user['id']}")
    assert [e["object_type"] for e in by_user] == ["customer"]
    everything = await _events(client, admin, "limit=2")
    assert len(everything) == 2
    later = await _events(client, admin, "since=2999-01-01T00:00:00Z")
    assert later == []
    inverted = await client.get(
        "/v1/audit?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", headers=admin
    )
    assert inverted.status_code == 422
    unknown = await client.get("/v1/audit?object=customer", headers=admin)
    assert unknown.status_code == 422
