"""`updated_since`: every change since an instant, oldest first, resumable without skipping."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import line, new_member, post, purchase, put_current

EPOCH = "2000-01-01T00:00:00Z"


async def pages(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query, headers=headers)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if not cursor:
            return items


async def test_members_changed_since_come_oldest_change_first_with_deletions(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    members = [await new_member(client, admin, name=f"M{i}") for i in range(5)]
    first_sync = await pages(client, "/v1/customers", admin, updated_since=EPOCH, limit=2)
    assert [m["id"] for m in first_sync] == [m["id"] for m in members]
    mark = first_sync[-1]["updated_at"]
    await client.patch(f"/v1/customers/{members[1]['id']}", json={"city": "Xi'an"}, headers=admin)
    await client.delete(f"/v1/customers/{members[2]['id']}", headers=admin)
    changed = await pages(client, "/v1/customers", admin, updated_since=mark, limit=1)
    by_id = {m["id"]: m for m in changed}
    assert [m["id"] for m in changed][-2:] == [members[1]["id"], members[2]["id"]]
    assert by_id[members[1]["id"]]["city"] == "Xi'an" and by_id[members[1]["id"]]["deleted_at"] is None
    assert by_id[members[2]["id"]]["deleted_at"] is not None
    assert members[2]["id"] not in [m["id"] for m in await pages(client, "/v1/customers", admin)]


async def test_a_member_changed_while_paging_is_returned_again_not_skipped(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    members = [await new_member(client, admin, name=f"M{i}") for i in range(4)]
    page = (
        await client.get("/v1/customers", params={"updated_since": EPOCH, "limit": 2}, headers=admin)
    ).json()
    await client.patch(f"/v1/customers/{members[0]['id']}", json={"city": "Changed"}, headers=admin)
    rest = await pages(
        client, "/v1/customers", admin, updated_since=EPOCH, limit=2, cursor=page["next_cursor"]
    )
    assert [m["id"] for m in rest] == [members[2]["id"], members[3]["id"], members[0]["id"]]
    assert rest[-1]["city"] == "Changed"


async def test_purchases_changed_since_include_refunds(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, phase="maintenance")
    posted = [
        (await post(client, admin, purchase(member["id"], line("maintenance", "100.00", "0.5")))).json()
        for _ in range(3)
    ]
    synced = await pages(client, "/v1/transactions", admin, updated_since=EPOCH, limit=2)
    assert [p["id"] for p in synced] == [p["id"] for p in posted]
    mark = synced[-1]["updated_at"]
    refund = await client.post(f"/v1/transactions/{posted[0]['id']}/refunds", json={}, headers=admin)
    assert refund.status_code == 201
    changed = await pages(client, "/v1/transactions", admin, updated_since=mark)
    assert [p["id"] for p in changed][-1] == posted[0]["id"]
    assert changed[-1]["refunded_amount"] == "100.00" and changed[-1]["updated_at"] > mark


async def test_ledger_entries_since_come_in_the_order_written(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, phase="maintenance")
    for _ in range(3):
        await post(client, admin, purchase(member["id"], line("maintenance", "100.00", "0.5")))
    path = f"/v1/customers/{member['id']}/points/ledger"
    entries = await pages(client, path, admin, updated_since=EPOCH, limit=2)
    assert [e["entry_no"] for e in entries] == [1, 2, 3]
    later = await pages(client, path, admin, updated_since=entries[-1]["created_at"])
    assert [e["entry_no"] for e in later] == [3]


async def test_updated_since_must_be_an_rfc3339_timestamp(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for bad in ("0.5", "2026-11-22", "2026-11-22T10:00:00", "yesterday"):
        r = await client.get("/v1/customers", params={"updated_since": bad}, headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "updated_since", (bad, r.text)
    ok = await client.get(
        "/v1/customers", params={"updated_since": "2026-11-22T10:00:00+08:00"}, headers=admin
    )
    assert ok.status_code == 200
    bad_cursor = await client.get(
        "/v1/customers", params={"updated_since": EPOCH, "cursor": "abc"}, headers=admin
    )
    assert bad_cursor.status_code == 422


async def test_a_new_tier_table_shows_regraded_members_in_the_sync(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    moved = await new_member(client, admin, phase="maintenance")
    stays = await new_member(client, admin, phase="maintenance")
    await post(client, admin, purchase(moved["id"], line("maintenance", "10000.00", "0.35")))  # 4,800
    mark = (await client.get(f"/v1/customers/{moved['id']}", headers=admin)).json()["updated_at"]
    table = {
        "tiers": [
            {"code": "standard", "name": "Standard", "threshold": "0", "rebate_rate": "0"},
            {"code": "silver", "name": "Silver", "threshold": "4000", "rebate_rate": "0.05"},
        ]
    }
    assert (await put_current(client, "/v1/tiers", table, admin)).status_code == 200
    changed = await pages(client, "/v1/customers", admin, updated_since=mark)
    assert [(m["id"], m["tier"]) for m in changed] == [(moved["id"], "silver")]
    assert stays["id"] not in [m["id"] for m in changed]
