"""Concurrent creates of one store, and concurrent member-token issues, never answer 500."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from tests.conftest import make_key


async def test_concurrent_creates_of_one_store(server: str, app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_key(app)
    body = {"code": "dealer-race", "name": "Race"}
    async with httpx.AsyncClient(base_url=server, headers=admin, timeout=60) as c:
        responses = await asyncio.gather(*(c.post("/v1/stores", json=body) for _ in range(20)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 19, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"duplicate_store"}
    listed = (await client.get("/v1/stores", headers=admin)).json()["items"]
    assert [s["code"] for s in listed].count("dealer-race") == 1


async def test_concurrent_member_token_issues(server: str, app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_key(app)
    member = (await client.post("/v1/customers", json={"name": "App user"}, headers=admin)).json()
    path = f"/v1/customers/{member['id']}/tokens"
    async with httpx.AsyncClient(base_url=server, headers=admin, timeout=60) as c:
        responses = await asyncio.gather(*(c.post(path, json={}) for _ in range(20)))
    assert [r.status_code for r in responses] == [201] * 20
    assert len({r.json()["token"] for r in responses}) == 20


async def test_concurrent_creates_of_one_user(server: str, app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_key(app)
    body = {"name": "Li Wei", "email": "li.wei@dealer.example", "role": "staff", "store_id": "dealer-01"}
    async with httpx.AsyncClient(base_url=server, headers=admin, timeout=60) as c:
        responses = await asyncio.gather(*(c.post("/v1/users", json=body) for _ in range(20)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 19, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"duplicate_user"}
