"""Races of real HTTP requests against a running `crm serve` (run on PostgreSQL and SQLite)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import make_key
from tests.helpers import ledger_matches_totals, line, new_member, purchase


async def _post_all(base: str, headers: dict[str, str], bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(bodies))
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60, limits=limits) as c:
        return await asyncio.gather(*(c.post("/v1/transactions", json=b) for b in bodies))


async def test_fifty_concurrent_posts_to_one_member(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    member = await new_member(client, admin, phase="maintenance")
    bodies = [purchase(member["id"], line("maintenance", "1000.00", "0.35")) for _ in range(50)]
    responses = await _post_all(server, admin, bodies)
    assert [r.status_code for r in responses] == [201] * 50, [
        r.text for r in responses if r.status_code != 201
    ]
    earned = sum((Decimal(r.json()["points"]) for r in responses), Decimal(0))
    points = (await client.get(f"/v1/customers/{member['id']}/points", headers=admin)).json()
    assert Decimal(points["lifetime_points"]) == earned
    # every posting saw the previous one: lifetimes after each post are all distinct
    assert len({r.json()["lifetime_points"] for r in responses}) == 50
    listed = (
        await client.get(
            "/v1/transactions", params={"customer_id": member["id"], "limit": 500}, headers=admin
        )
    ).json()["items"]
    assert len(listed) == 50
    await ledger_matches_totals(client, admin, member["id"])


async def test_fifty_concurrent_posts_over_ten_members(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    members = [await new_member(client, admin, phase="maintenance") for _ in range(10)]
    bodies = [purchase(members[i % 10]["id"], line("parts", f"{100 + i}.00", "0.25")) for i in range(50)]
    responses = await _post_all(server, admin, bodies)
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    for m in members:
        mine = [r.json() for r in responses if r.json()["customer_id"] == m["id"]]
        assert len(mine) == 5
        points = (await client.get(f"/v1/customers/{m['id']}/points", headers=admin)).json()
        assert Decimal(points["balance"]) == sum((Decimal(t["points"]) for t in mine), Decimal(0))
        await ledger_matches_totals(client, admin, m["id"])


async def test_twenty_identical_requests_with_one_idempotency_key(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    member = await new_member(client, admin)
    body = purchase(member["id"], line("repair", "800.00", "0.3"))
    responses = await _post_all(server, {**admin, "Idempotency-Key": "race-1"}, [body] * 20)
    settled = []
    async with httpx.AsyncClient(base_url=server, headers={**admin, "Idempotency-Key": "race-1"}) as c:
        for r in responses:
            while r.status_code == 409 and "in progress" in r.text:  # allowed: a retry resolves it
                await asyncio.sleep(0.05)
                r = await c.post("/v1/transactions", json=body)
            settled.append(r)
    first = settled[0]
    assert first.status_code == 201
    assert all((r.status_code, r.json()) == (201, first.json()) for r in settled)
    listed = (
        await client.get("/v1/transactions", params={"customer_id": member["id"]}, headers=admin)
    ).json()
    assert len(listed["items"]) == 1
    await ledger_matches_totals(client, admin, member["id"])


async def test_concurrent_creates_with_one_phone_make_one_member(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    async with httpx.AsyncClient(base_url=server, headers=admin, timeout=60) as c:
        responses = await asyncio.gather(
            *(
                c.post("/v1/customers", json={"name": f"Twin {i}", "phone": "+86 135 0000 0000"})
                for i in range(10)
            )
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 9, [r.text for r in responses]
    created = next(r.json()["id"] for r in responses if r.status_code == 201)
    assert {r.json()["existing_id"] for r in responses if r.status_code == 409} == {created}


async def test_racing_tier_table_writers_with_one_etag_only_one_wins(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    tag = (await client.get("/v1/tiers", headers=admin)).headers["ETag"]
    tables = [
        {"tiers": [{"code": "standard", "name": f"Standard {i}", "threshold": "0", "rebate_rate": "0"}]}
        for i in range(8)
    ]
    limits = httpx.Limits(max_connections=len(tables))
    async with httpx.AsyncClient(base_url=server, headers=admin, timeout=60, limits=limits) as c:
        responses = await asyncio.gather(
            *(c.put("/v1/tiers", json=t, headers={"If-Match": tag}) for t in tables)
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * 7, [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200)
    assert (await client.get("/v1/tiers", headers=admin)).json() == winner.json()
