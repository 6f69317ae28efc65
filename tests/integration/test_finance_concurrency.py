"""Races of real requests on the finance paths: one reversal per redemption; points never overspent."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
from fastapi import FastAPI

from tests.conftest import make_key
from tests.helpers import ledger_matches_totals, line, new_member, purchase


async def test_ten_concurrent_reversals_of_one_redemption(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    member = (await new_member(client, admin, phase="maintenance"))["id"]
    await client.post(
        "/v1/transactions", json=purchase(member, line("maintenance", "1000.00", "0.35")), headers=admin
    )
    redeemed = await client.post(
        f"/v1/customers/{member}/points/redemptions", json={"points": "100.00"}, headers=admin
    )
    url = f"/v1/customers/{member}/points/redemptions/{redeemed.json()['entry']['id']}/reversal"
    async with httpx.AsyncClient(base_url=server, headers=admin, timeout=60) as c:
        responses = await asyncio.gather(*(c.post(url, json={}) for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 9, [r.text for r in responses]
    assert (await client.get(f"/v1/customers/{member}/points", headers=admin)).json()["balance"] == "480.00"
    await ledger_matches_totals(client, admin, member)


async def test_concurrent_purchases_paying_with_points_never_overspend(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    member = (await new_member(client, admin, phase="maintenance"))["id"]
    await client.post(
        "/v1/transactions", json=purchase(member, line("maintenance", "1000.00", "0.35")), headers=admin
    )
    # each earns 24.00 (parts 100.00 at 0.05), not usable by itself: balances before 480, 404, … 100
    bodies = [purchase(member, line("parts", "100.00", "0.05"), redeem_points="100.00") for _ in range(10)]
    async with httpx.AsyncClient(base_url=server, headers=admin, timeout=60) as c:
        responses = await asyncio.gather(*(c.post("/v1/transactions", json=b) for b in bodies))
    ok = [r for r in responses if r.status_code == 201]
    assert all(r.status_code in (201, 409) for r in responses), [r.text for r in responses]
    balance = Decimal((await client.get(f"/v1/customers/{member}/points", headers=admin)).json()["balance"])
    assert len(ok) == 6 and balance == Decimal(480) - 76 * 6 == Decimal("24.00")
    await ledger_matches_totals(client, admin, member)
