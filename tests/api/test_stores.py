"""Stores: a resource every `store_id` must name; an inactive store takes no new business."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.models.integration.api_keys import Scope
from tests.conftest import make_key
from tests.helpers import line, new_member, post, purchase


async def test_create_read_list_and_update(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    body = {"code": "dealer-09", "name": "Foshan 4S", "region": "Guangdong"}
    created = await client.post("/v1/stores", json=body, headers=admin)
    assert created.status_code == 201 and created.json()["active"] is True
    again = await client.post("/v1/stores", json=body, headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_store"
    assert again.json()["existing_id"] == "dealer-09"
    one = await client.get("/v1/stores/dealer-09", headers=admin)
    assert one.json()["name"] == "Foshan 4S"
    changed = await client.patch(
        "/v1/stores/dealer-09", json={"name": "Foshan", "region": None}, headers=admin
    )
    assert changed.status_code == 200 and (changed.json()["name"], changed.json()["region"]) == (
        "Foshan",
        None,
    )
    assert (await client.get("/v1/stores/dealer-09", headers=admin)).json()["name"] == "Foshan"
    assert (await client.get("/v1/stores/nope", headers=admin)).status_code == 404
    assert (await client.patch("/v1/stores/nope", json={"name": "x"}, headers=admin)).status_code == 404
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/stores", params=params, headers=admin)).json()
        seen += [s["code"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["dealer-01", "dealer-02", "dealer-03", "dealer-09"]
    for tampered in ("zz", "MDA", "ZmY"):  # not hex; hex of NUL; hex of a byte that is not UTF-8
        bad = await client.get("/v1/stores", params={"cursor": tampered}, headers=admin)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor", tampered


async def test_bad_store_fields_are_refused(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for body, field in [
        ({"code": "a/b", "name": "x"}, "code"),
        ({"code": "", "name": "x"}, "code"),
        ({"code": "x" * 65, "name": "x"}, "code"),
        ({"code": "ok", "name": ""}, "name"),
        ({"code": "ok", "name": "x", "active": "yes"}, "active"),
    ]:
        r = await client.post("/v1/stores", json=body, headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, body
    null_name = await client.patch("/v1/stores/dealer-01", json={"name": None}, headers=admin)
    assert null_name.status_code == 422 and null_name.json()["errors"][0]["field"] == "name"


async def test_every_store_id_names_a_known_store(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    body = purchase(member["id"], line("parts", "10.00"), store_id="ghost")
    for path in ("/v1/transactions", "/v1/transactions/quote"):
        r = await client.post(path, json=body, headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "store_id", path
    created = await client.post("/v1/customers", json={"name": "x", "store_id": "ghost"}, headers=admin)
    assert created.status_code == 422 and created.json()["errors"][0]["field"] == "store_id"
    updated = await client.patch(f"/v1/customers/{member['id']}", json={"store_id": "ghost"}, headers=admin)
    assert updated.status_code == 422 and updated.json()["errors"][0]["field"] == "store_id"
    key = await client.post(
        "/v1/api-keys", json={"name": "k", "scopes": ["admin"], "store_id": "ghost"}, headers=admin
    )
    assert key.status_code == 422 and key.json()["errors"][0]["field"] == "store_id"
    listed = (await client.get("/v1/transactions", headers=admin)).json()["items"]
    assert listed == []  # nothing was saved


async def test_an_inactive_store_takes_no_new_purchases(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin)
    posted = (
        await post(client, admin, purchase(member["id"], line("parts", "100.00"), store_id="dealer-02"))
    ).json()
    closed = await client.patch("/v1/stores/dealer-02", json={"active": False}, headers=admin)
    assert closed.status_code == 200 and closed.json()["active"] is False
    refused = await post(client, admin, purchase(member["id"], line("parts", "10.00"), store_id="dealer-02"))
    assert (
        refused.status_code == 422 and refused.json()["errors"][0]["message"] == "store dealer-02 is inactive"
    )
    new = await client.post("/v1/customers", json={"name": "x", "store_id": "dealer-02"}, headers=admin)
    assert new.status_code == 422
    refund = await client.post(f"/v1/transactions/{posted['id']}/refunds", json={}, headers=admin)
    assert refund.status_code == 201  # what was sold there can still be refunded
    assert (await client.get("/v1/stores/dealer-02", headers=admin)).status_code == 200


async def test_a_store_bound_key_sees_only_its_store(client: httpx.AsyncClient, app: FastAPI) -> None:
    pos = await make_key(app, Scope.members_read, store_id="dealer-02")
    listed = (await client.get("/v1/stores", headers=pos)).json()["items"]
    assert [s["code"] for s in listed] == ["dealer-02"]
    assert (await client.get("/v1/stores/dealer-01", headers=pos)).status_code == 404
