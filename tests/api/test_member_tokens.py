"""Member tokens: a mobile app reads one member's tier, points and ledger, and nothing else."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from app.models.base import utcnow
from app.models.integration.api_keys import Scope
from tests.conftest import make_key
from tests.helpers import line, new_member, post, purchase


async def _token(
    client: httpx.AsyncClient, headers: dict[str, str], member: str, **body: object
) -> dict[str, str]:
    r = await client.post(f"/v1/customers/{member}/tokens", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def bearer(token: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['token']}"}


async def test_a_token_reads_its_member_only(client: httpx.AsyncClient, app: FastAPI) -> None:
    backend = await make_key(app, Scope.members_read)
    admin = await make_key(app)
    me, other = await new_member(client, admin), await new_member(client, admin)
    posted = (await post(client, admin, purchase(me["id"], line("parts", "1000.00")))).json()
    token = await _token(client, backend, me["id"])
    assert token["token"].startswith(token["prefix"] + "_") and token["prefix"].startswith("mt_")
    assert token["customer_id"] == me["id"]
    lifetime = utcnow() + timedelta(seconds=3600) - datetime.fromisoformat(token["expires_at"])
    assert abs(lifetime.total_seconds()) < 60  # one hour by default
    app_headers = bearer(token)
    for path in ("tier", "points", "points/ledger"):
        mine = await client.get(f"/v1/customers/{me['id']}/{path}", headers=app_headers)
        assert mine.status_code == 200, path
        theirs = await client.get(f"/v1/customers/{other['id']}/{path}", headers=app_headers)
        assert theirs.status_code == 404 and theirs.json()["code"] == "not_found", path
    assert (await client.get(f"/v1/customers/{me['id']}/points", headers=app_headers)).json()[
        "balance"
    ] == posted["balance"]
    for method, path in [
        ("GET", f"/v1/customers/{me['id']}"),
        ("GET", "/v1/customers"),
        ("GET", f"/v1/transactions/{posted['id']}"),
        ("GET", "/v1/tiers"),
        ("GET", f"/v1/customers/{me['id']}/tokens"),
        ("POST", f"/v1/customers/{me['id']}/tokens"),
        ("POST", f"/v1/customers/{me['id']}/points/redemptions"),
    ]:
        r = await client.request(method, path, json={"points": "1.00"}, headers=app_headers)
        assert r.status_code == 404, (method, path)


async def test_expired_revoked_and_orphaned_tokens_are_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await make_key(app)
    issuer = (
        await client.post("/v1/api-keys", json={"name": "app", "scopes": ["members:read"]}, headers=admin)
    ).json()
    issuer_headers = {"Authorization": f"Bearer {issuer['key']}"}
    member = await new_member(client, admin)
    tier = f"/v1/customers/{member['id']}/tier"
    expiring = await _token(client, issuer_headers, member["id"], expires_in=60)
    revoked = await _token(client, issuer_headers, member["id"])
    orphan = await _token(client, issuer_headers, member["id"])
    for t in (expiring, revoked, orphan):
        assert (await client.get(tier, headers=bearer(t))).status_code == 200

    async def expire(session) -> None:  # type: ignore[no-untyped-def]
        await session.execute(
            text("UPDATE member_token SET expires_at = :at WHERE id = :id"),
            {"at": utcnow() - timedelta(seconds=1), "id": expiring["id"]},
        )

    await app.state.db.run(expire)
    expired = await client.get(tier, headers=bearer(expiring))
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    gone = await client.delete(f"/v1/customers/{member['id']}/tokens/{revoked['id']}", headers=issuer_headers)
    assert gone.status_code == 200 and gone.json()["revoked_at"] is not None
    assert (await client.get(tier, headers=bearer(revoked))).status_code == 401
    assert (await client.get(tier, headers=bearer(orphan))).status_code == 200
    assert (await client.delete(f"/v1/api-keys/{issuer['id']}", headers=admin)).status_code == 200
    assert (await client.get(tier, headers=bearer(orphan))).status_code == 401  # its issuer was revoked
    bad = await client.get(tier, headers={"Authorization": "Bearer mt_nope_nope"})
    assert bad.status_code == 401
    listed = (await client.get(f"/v1/customers/{member['id']}/tokens", headers=admin)).json()
    assert {t["id"] for t in listed["items"]} == {expiring["id"], revoked["id"], orphan["id"]}
    assert all("token" not in t for t in listed["items"])
    page = (
        await client.get(f"/v1/customers/{member['id']}/tokens", params={"limit": 2}, headers=admin)
    ).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    wrong = await client.delete(f"/v1/customers/{member['id']}/tokens/mtk_nope", headers=admin)
    assert wrong.status_code == 404


async def test_token_requests_are_checked(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    path = f"/v1/customers/{member['id']}/tokens"
    for body in (
        {"expires_in": 86_401},
        {"expires_in": 59},
        {"expires_in": "3600"},
        {"expires_in": 1.5},
        {"x": 1},
    ):
        r = await client.post(path, json=body, headers=admin)
        assert r.status_code == 422, body
    assert (await client.post("/v1/customers/cus_nope/tokens", json={}, headers=admin)).status_code == 404
    day = await client.post(path, json={"expires_in": 86_400}, headers=admin)
    assert day.status_code == 201
    once = {**admin, "Idempotency-Key": "token-once"}
    first = await client.post(path, json={}, headers=once)
    again = await client.post(path, json={}, headers=once)
    assert first.status_code == 201 and again.status_code == 409
    assert again.json()["code"] == "secret_not_replayed" and again.json()["existing_id"] == first.json()["id"]


async def test_a_store_bound_key_issues_tokens_for_members_it_sees(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await make_key(app)
    dealer2 = await make_key(app, Scope.members_read, store_id="dealer-02")
    elsewhere = await new_member(client, admin, store_id="dealer-01")
    r = await client.post(f"/v1/customers/{elsewhere['id']}/tokens", json={}, headers=dealer2)
    assert r.status_code == 404
    home = await new_member(client, admin, store_id="dealer-02")
    assert (
        await client.post(f"/v1/customers/{home['id']}/tokens", json={}, headers=dealer2)
    ).status_code == 201
