"""A key never does more than the key that created it; a store-bound key stays in its store."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.models.integration.api_keys import Scope
from tests.conftest import make_key
from tests.helpers import line, new_member, post, purchase


def bearer(created: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {created['key']}"}


async def test_keys_made_by_a_store_bound_admin_inherit_its_store(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    store_admin = await make_key(app, Scope.admin, store_id="dealer-01")
    made = await client.post(
        "/v1/api-keys", json={"name": "unbound?", "scopes": ["admin"]}, headers=store_admin
    )
    assert made.status_code == 201 and made.json()["store_id"] == "dealer-01"
    admin = await make_key(app)
    member = await new_member(client, admin)
    escaped = await post(
        client, bearer(made.json()), purchase(member["id"], line("parts", "10.00"), store_id="dealer-02")
    )
    assert escaped.status_code == 403 and escaped.json()["code"] == "store_not_allowed"
    grandchild = await client.post(
        "/v1/api-keys", json={"name": "g", "scopes": ["admin"]}, headers=bearer(made.json())
    )
    assert grandchild.json()["store_id"] == "dealer-01"
    other = await client.post(
        "/v1/api-keys", json={"name": "x", "scopes": ["admin"], "store_id": "dealer-02"}, headers=store_admin
    )
    assert other.status_code == 403 and other.json()["code"] == "store_not_allowed"


async def test_a_store_bound_admin_manages_only_its_stores_keys(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await make_key(app)
    store_admin = await make_key(app, Scope.admin, store_id="dealer-01")
    mine = (
        await client.post(
            "/v1/api-keys", json={"name": "pos", "scopes": ["transactions:write"]}, headers=store_admin
        )
    ).json()
    theirs = (
        await client.post(
            "/v1/api-keys", json={"name": "pos", "scopes": ["admin"], "store_id": "dealer-02"}, headers=admin
        )
    ).json()
    unbound = (
        await client.post("/v1/api-keys", json={"name": "hq", "scopes": ["admin"]}, headers=admin)
    ).json()
    listed = (await client.get("/v1/api-keys", headers=store_admin)).json()["items"]
    assert {k["store_id"] for k in listed} == {"dealer-01"} and mine["id"] in {k["id"] for k in listed}
    for victim in (theirs, unbound):
        r = await client.delete(f"/v1/api-keys/{victim['id']}", headers=store_admin)
        assert r.status_code == 404
    assert (await client.delete(f"/v1/api-keys/{mine['id']}", headers=store_admin)).status_code == 200
    everything = (await client.get("/v1/api-keys", headers=admin)).json()["items"]
    assert {theirs["id"], unbound["id"], mine["id"]} <= {k["id"] for k in everything}
    page = (await client.get("/v1/api-keys", params={"limit": 2}, headers=admin)).json()
    rest = (await client.get("/v1/api-keys", params={"cursor": page["next_cursor"]}, headers=admin)).json()
    assert [k["id"] for k in page["items"] + rest["items"]] == [k["id"] for k in everything]


async def test_a_store_bound_key_sees_its_members_and_those_it_sold_to(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await make_key(app)
    pos = await make_key(
        app, Scope.members_read, Scope.members_write, Scope.transactions_write, store_id="dealer-02"
    )
    home = await new_member(client, pos, name="Home")
    assert home["store_id"] == "dealer-02"  # a store-bound key's members belong to its store
    visitor = await new_member(client, admin, name="Visitor", store_id="dealer-01")
    stranger = await new_member(client, admin, name="Stranger", store_id="dealer-01")
    assert (await client.get(f"/v1/customers/{visitor['id']}", headers=pos)).status_code == 404
    sold = await post(client, pos, purchase(visitor["id"], line("parts", "100.00"), store_id="dealer-02"))
    assert sold.status_code == 201  # any member may buy at any store
    theirs = await post(
        client, admin, purchase(stranger["id"], line("parts", "100.00"), store_id="dealer-01")
    )
    assert (await client.get(f"/v1/customers/{visitor['id']}", headers=pos)).status_code == 200
    names = {m["name"] for m in (await client.get("/v1/customers", headers=pos)).json()["items"]}
    assert names == {"Home", "Visitor"}
    by_store = (await client.get("/v1/customers", params={"store_id": "dealer-01"}, headers=pos)).json()[
        "items"
    ]
    assert [m["name"] for m in by_store] == ["Visitor"]
    # read-only for a member of another store; changing it is refused, and so is moving one's own away
    patch = await client.patch(f"/v1/customers/{visitor['id']}", json={"notes": "x"}, headers=pos)
    assert patch.status_code == 403 and patch.json()["code"] == "store_not_allowed"
    assert (await client.delete(f"/v1/customers/{visitor['id']}", headers=pos)).status_code == 403
    assert (
        await client.patch(f"/v1/customers/{stranger['id']}", json={"notes": "x"}, headers=pos)
    ).status_code == 404
    move = await client.patch(f"/v1/customers/{home['id']}", json={"store_id": "dealer-01"}, headers=pos)
    assert move.status_code == 403
    orphan = await client.patch(f"/v1/customers/{home['id']}", json={"store_id": None}, headers=pos)
    assert orphan.status_code == 403
    assert (
        await client.patch(f"/v1/customers/{home['id']}", json={"notes": "ok"}, headers=pos)
    ).status_code == 200
    elsewhere = await client.post("/v1/customers", json={"name": "x", "store_id": "dealer-01"}, headers=pos)
    assert elsewhere.status_code == 403
    # purchases: only its store's, in reads, lists and refunds
    listed = (await client.get("/v1/transactions", headers=pos)).json()["items"]
    assert [t["id"] for t in listed] == [sold.json()["id"]]
    other_filter = await client.get("/v1/transactions", params={"store_id": "dealer-01"}, headers=pos)
    assert other_filter.status_code == 200 and other_filter.json()["items"] == []
    other_id = theirs.json()["id"]
    for method, path in [
        ("GET", f"/v1/transactions/{other_id}"),
        ("GET", f"/v1/transactions/{other_id}/refunds"),
        ("POST", f"/v1/transactions/{other_id}/refunds"),
    ]:
        r = await client.request(method, path, json={}, headers=pos)
        assert r.status_code == 404, (method, path)
    assert (await client.get(f"/v1/transactions/{other_id}", headers=admin)).json()[
        "refunded_amount"
    ] == "0.00"


async def test_redemptions_only_for_members_the_store_sees(client: httpx.AsyncClient, app: FastAPI) -> None:
    admin = await make_key(app)
    cashier = await make_key(app, Scope.points_write, store_id="dealer-02")
    member = await new_member(client, admin, store_id="dealer-01")
    await post(client, admin, purchase(member["id"], line("parts", "1000.00")))
    path = f"/v1/customers/{member['id']}/points/redemptions"
    assert (await client.post(path, json={"points": "1.00"}, headers=cashier)).status_code == 404
    await post(client, admin, purchase(member["id"], line("parts", "10.00"), store_id="dealer-02"))
    assert (await client.post(path, json={"points": "1.00"}, headers=cashier)).status_code == 201
