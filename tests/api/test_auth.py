"""API keys: scopes, store restriction, revocation, hashing, last use."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from app.models.integration.api_keys import Scope
from tests.conftest import make_key


async def test_missing_bad_and_scoped_keys(client: httpx.AsyncClient, app: FastAPI) -> None:
    anonymous = await client.get("/v1/tiers")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.headers["content-type"] == "application/problem+json"
    wrong = await client.get("/v1/tiers", headers={"Authorization": "Bearer lk_nope_nope"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "unauthorized"
    reader = await make_key(app, Scope.members_read)
    assert (await client.get("/v1/tiers", headers=reader)).status_code == 200
    assert (await client.put("/v1/tiers", json={"tiers": []}, headers=reader)).status_code == 403
    assert (await client.post("/v1/customers", json={"name": "x"}, headers=reader)).status_code == 403


async def test_key_lifecycle(client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]) -> None:
    created = await client.post(
        "/v1/api-keys",
        json={"name": "pos", "scopes": ["transactions:write"], "store_id": "dealer-01"},
        headers=admin,
    )
    assert created.status_code == 201
    key = created.json()
    assert key["key"].startswith(key["prefix"] + "_") and key["prefix"].startswith("lk_")
    listed = (await client.get("/v1/api-keys", headers=admin)).json()["items"]
    mine = next(k for k in listed if k["id"] == key["id"])
    assert "key" not in mine and mine["last_used_at"] is None
    pos = {"Authorization": f"Bearer {key['key']}"}
    assert (
        await client.post("/v1/transactions/quote", json={}, headers=pos)
    ).status_code == 422  # authenticated
    used = next(
        k for k in (await client.get("/v1/api-keys", headers=admin)).json()["items"] if k["id"] == key["id"]
    )
    assert used["last_used_at"] is not None

    # only a hash is stored
    async def stored(session) -> list[str]:  # type: ignore[no-untyped-def]
        return [row[0] for row in await session.execute(text("SELECT key_hash FROM api_key"))]

    hashes = await app.state.db.run(stored)
    assert key["key"] not in hashes and all(len(h) == 64 for h in hashes)
    revoked = await client.delete(f"/v1/api-keys/{key['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert (await client.post("/v1/transactions/quote", json={}, headers=pos)).status_code == 401
    assert (await client.delete("/v1/api-keys/key_nope", headers=admin)).status_code == 404


async def test_creating_a_key_twice_with_one_idempotency_key_never_shows_it_again(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    headers = {**admin, "Idempotency-Key": "key-once"}
    first = await client.post("/v1/api-keys", json={"name": "x", "scopes": ["admin"]}, headers=headers)
    again = await client.post("/v1/api-keys", json={"name": "x", "scopes": ["admin"]}, headers=headers)
    assert first.status_code == 201 and again.status_code == 409
    assert again.json()["existing_id"] == first.json()["id"] and "key" not in again.json()


async def test_bad_scope_is_refused(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    r = await client.post("/v1/api-keys", json={"name": "x", "scopes": ["root"]}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scopes[0]"
