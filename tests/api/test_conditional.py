"""ETag on reads, 304 on a current If-None-Match, If-Match on writes (412 stale, 428 missing)."""

from __future__ import annotations

import httpx

from tests.helpers import line, new_member, post, purchase, put_current

TIERS = {
    "tiers": [
        {"code": "standard", "name": "Standard", "threshold": "0", "rebate_rate": "0"},
        {"code": "silver", "name": "Silver", "threshold": "5000", "rebate_rate": "0.05"},
    ]
}


async def test_tier_read_answers_304_until_the_member_changes(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, phase="maintenance")
    path = f"/v1/customers/{member['id']}/tier"
    first = await client.get(path, headers=admin)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag.startswith('"')
    again = await client.get(path, headers={**admin, "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == tag
    assert (await client.get(path, headers={**admin, "If-None-Match": '"other", ' + tag})).status_code == 304
    await post(client, admin, purchase(member["id"], line("maintenance", "1000.00", "0.35")))
    changed = await client.get(path, headers={**admin, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert changed.json()["balance"] != first.json()["balance"]


async def test_member_read_has_an_etag_that_guards_updates_and_deletes(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin)
    path = f"/v1/customers/{member['id']}"
    tag = (await client.get(path, headers=admin)).headers["ETag"]
    assert (await client.get(path, headers={**admin, "If-None-Match": tag})).status_code == 304
    updated = await client.patch(path, json={"city": "深圳"}, headers={**admin, "If-Match": tag})
    assert updated.status_code == 200
    new_tag = updated.headers["ETag"]
    assert new_tag != tag and (await client.get(path, headers=admin)).headers["ETag"] == new_tag
    weak = await client.patch(path, json={"city": "广州"}, headers={**admin, "If-Match": "W/" + new_tag})
    assert weak.status_code == 412  # If-Match compares strongly
    assert (await client.get(path, headers={**admin, "If-None-Match": "W/" + new_tag})).status_code == 304
    stale = await client.patch(path, json={"city": "广州"}, headers={**admin, "If-Match": tag})
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    assert stale.headers["content-type"] == "application/problem+json"
    assert (await client.delete(path, headers={**admin, "If-Match": tag})).status_code == 412
    assert (await client.get(path, headers=admin)).json()["city"] == "深圳"
    assert (await client.patch(path, json={"city": "广州"}, headers=admin)).status_code == 200  # optional
    current = (await client.get(path, headers=admin)).headers["ETag"]
    assert (await client.delete(path, headers={**admin, "If-Match": current})).status_code == 204


async def test_tier_table_writes_require_the_current_etag(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    read = await client.get("/v1/tiers", headers=admin)
    tag = read.headers["ETag"]
    missing = await client.put("/v1/tiers", json=TIERS, headers=admin)
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    replaced = await client.put("/v1/tiers", json=TIERS, headers={**admin, "If-Match": tag})
    assert replaced.status_code == 200 and replaced.headers["ETag"] != tag
    assert (await client.get("/v1/tiers", headers=admin)).headers["ETag"] == replaced.headers["ETag"]
    lost_update = await client.put(
        "/v1/tiers", json={"tiers": TIERS["tiers"][:1]}, headers={**admin, "If-Match": tag}
    )
    assert lost_update.status_code == 412
    assert [t["code"] for t in (await client.get("/v1/tiers", headers=admin)).json()["tiers"]] == [
        "standard",
        "silver",
    ]
    assert (
        await client.get("/v1/tiers", headers={**admin, "If-None-Match": replaced.headers["ETag"]})
    ).status_code == 304


async def test_settings_writes_require_the_current_etag(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    current = await client.get("/v1/points/settings", headers=admin)
    body = {
        k: current.json()[k]
        for k in (
            "x_development",
            "x_maintenance",
            "point_value",
            "liability_warning",
            "liability_critical",
            "liability_target",
        )
    }
    assert (await client.put("/v1/points/settings", json=body, headers=admin)).status_code == 428
    changed = await put_current(client, "/v1/points/settings", body | {"x_maintenance": "0.9"}, admin)
    assert changed.status_code == 200 and changed.headers["ETag"] != current.headers["ETag"]
    stale = await client.put(
        "/v1/points/settings", json=body, headers={**admin, "If-Match": current.headers["ETag"]}
    )
    assert stale.status_code == 412
    assert (await client.get("/v1/points/settings", headers=admin)).json()["x_maintenance"] == "0.9"
    history = (await client.get("/v1/points/settings/history", headers=admin)).json()["items"]
    assert len(history) == 1  # the refused writes left no trace
