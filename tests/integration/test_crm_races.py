"""Races of real requests on CRM writes: one VIN, one odometer, one ticket."""

from __future__ import annotations

import asyncio
import itertools
import random
from typing import Any

import httpx
from fastapi import FastAPI

from app.repositories.crm.consents import consenting
from app.services.finance.verify import verify
from tests.conftest import make_key
from tests.helpers import ledger_matches_totals, line, new_member, purchase

VIN = "1M8GDM9AXKP042788"


async def _race(
    base: str, headers: dict[str, str], calls: list[tuple[str, dict[str, Any]]]
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(calls))
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60, limits=limits) as c:
        return await asyncio.gather(*(c.post(url, json=body) for url, body in calls))


async def test_one_vin_claimed_by_ten_members_at_once(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    members = [await new_member(client, admin) for _ in range(10)]
    responses = await _race(
        server, admin, [(f"/v1/customers/{m['id']}/vehicles", {"vin": VIN}) for m in members]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 9, [r.text for r in responses]
    winner = next(r.json()["id"] for r in responses if r.status_code == 201)
    assert {r.json()["existing_id"] for r in responses if r.status_code == 409} == {winner}


async def test_concurrent_readings_never_move_the_odometer_back(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    member = await new_member(client, admin)
    vehicle = (
        await client.post(f"/v1/customers/{member['id']}/vehicles", json={"vin": VIN}, headers=admin)
    ).json()
    readings = list(range(1000, 21000, 1000))
    seed = random.randrange(1_000_000)
    print(f"seed={seed}")
    random.Random(seed).shuffle(readings)
    url = f"/v1/vehicles/{vehicle['id']}/mileage"
    responses = await _race(server, admin, [(url, {"reading_km": km}) for km in readings])
    assert {r.status_code for r in responses} <= {201, 409}, [r.text for r in responses]
    assert all(r.json()["code"] == "mileage_went_back" for r in responses if r.status_code == 409)
    accepted = (await client.get(url, params={"limit": 500}, headers=admin)).json()["items"]
    kms = [x["reading_km"] for x in reversed(accepted)]  # in the order they were written
    assert kms == sorted(kms) and len(kms) == sum(r.status_code == 201 for r in responses)
    odometer = (await client.get(f"/v1/vehicles/{vehicle['id']}", headers=admin)).json()["odometer_km"]
    assert odometer == max(kms)


async def test_a_close_and_new_tasks_do_not_interleave(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    member = await new_member(client, admin)
    ticket = (
        await client.post(
            "/v1/tickets",
            json={"customer_id": member["id"], "kind": "complaint", "subject": "s"},
            headers=admin,
        )
    ).json()
    url = f"/v1/tickets/{ticket['id']}"
    await client.patch(url, json={"status": "in_progress"}, headers=admin)
    limits = httpx.Limits(max_connections=11)
    async with httpx.AsyncClient(base_url=server, headers=admin, timeout=60, limits=limits) as c:
        close = c.patch(url, json={"status": "closed", "resolution": "done"})
        tasks = [c.post(f"{url}/tasks", json={"title": f"t{i}"}) for i in range(10)]
        responses = await asyncio.gather(close, *tasks)
    final = (await client.get(url, headers=admin)).json()
    created = sum(r.status_code == 201 for r in responses[1:])
    if final["status"] == "closed":  # the close won: no open task may exist on a closed ticket
        assert final["open_tasks"] == 0 and responses[0].status_code == 200
    else:
        assert responses[0].status_code == 409 and final["open_tasks"] == created


async def test_purchases_to_both_members_while_they_merge(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Purchases land on the survivor and on the duplicate while the merge runs: each is either
    posted (on the survivor, or on the duplicate before the merge moved it) or refused
    (422: the duplicate was gone); afterwards every total equals its ledger and the stripes agree."""
    admin = await make_key(app)
    survivor, duplicate = [(await new_member(client, admin))["id"] for _ in range(2)]
    for member in (survivor, duplicate):
        await client.post("/v1/transactions", json=purchase(member, line("parts", "100.00")), headers=admin)
    seed = random.randrange(1_000_000)
    print(f"seed={seed}")
    order = [survivor, duplicate] * 8
    random.Random(seed).shuffle(order)
    calls = [("/v1/transactions", purchase(m, line("parts", "250.00"))) for m in order]
    merge = (f"/v1/customers/{survivor}/merge", {"duplicate_id": duplicate})
    calls.insert(4, merge)
    responses = await _race(server, admin, calls)
    by_call = list(zip(calls, responses, strict=True))
    assert [r.status_code for (url, _), r in by_call if url.endswith("/merge")] == [201]
    posted = 0
    for (url, body), r in by_call:
        if url.endswith("/merge"):
            continue
        if body["customer_id"] == survivor:
            assert r.status_code == 201, r.text
        else:
            assert r.status_code in (201, 422), r.text  # 422: the body names no live member
        posted += r.status_code == 201
    refused = sum(r.status_code == 422 for _, r in by_call)
    print(f"posted={posted} refused={refused}")
    member = (await client.get(f"/v1/customers/{survivor}", headers=admin)).json()
    assert member["purchase_count"] == 2 + posted
    await ledger_matches_totals(client, admin, survivor)
    assert (await app.state.db.run(verify)).drift == []


async def test_two_members_merged_into_each_other_at_once(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Both directions at once: the locks are taken in id order, so one merge wins, the other
    finds its survivor gone (404) or its duplicate gone (422), and nothing deadlocks."""
    admin = await make_key(app)
    one, other = [(await new_member(client, admin))["id"] for _ in range(2)]
    for member in (one, other):
        await client.post("/v1/transactions", json=purchase(member, line("parts", "100.00")), headers=admin)
    calls = [
        (f"/v1/customers/{one}/merge", {"duplicate_id": other}),
        (f"/v1/customers/{other}/merge", {"duplicate_id": one}),
    ]
    responses = await _race(server, admin, calls)
    assert sorted(r.status_code for r in responses) in ([201, 404], [201, 422]), [r.text for r in responses]
    assert (await app.state.db.run(verify)).drift == []


async def test_racing_consent_decisions_are_recorded_one_after_another(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    member = (await new_member(client, admin))["id"]
    url = f"/v1/customers/{member}/consents"
    limits = httpx.Limits(max_connections=8)
    async with httpx.AsyncClient(base_url=server, headers=admin, timeout=60, limits=limits) as c:
        sent = await asyncio.gather(
            *(c.patch(url, json={"sms": i % 2 == 0, "source": f"s{i}"}) for i in range(8))
        )
    assert [r.status_code for r in sent] == [200] * 8, [r.text for r in sent]
    in_force = (await client.get(url, headers=admin)).json()["sms"]
    history = (await client.get(f"/v1/customers/{member}/history", headers=admin)).json()["items"]
    changes = [ch for e in reversed(history) for ch in e["changes"] if ch["field"] == "consent.sms"]
    assert changes and changes[0]["old"] is None
    assert all(later["old"] == earlier["new"] for earlier, later in itertools.pairwise(changes))
    assert in_force["granted"] is changes[-1]["new"]  # the last recorded is the one in force


async def test_erasure_racing_consent_grants_leaves_nothing_granted(
    server: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_key(app)
    member = (await new_member(client, admin))["id"]
    url = f"/v1/customers/{member}/consents"
    limits = httpx.Limits(max_connections=5)
    async with httpx.AsyncClient(base_url=server, headers=admin, timeout=60, limits=limits) as c:
        grants = [c.patch(url, json={"sms": True, "email": True, "source": f"s{i}"}) for i in range(4)]
        done = await asyncio.gather(*grants, c.post(f"/v1/customers/{member}/erasure"))
    assert {r.status_code for r in done[:4]} <= {200, 404} and done[4].status_code == 200, [
        r.text for r in done
    ]
    found = await app.state.db.run(lambda s: s.execute(consenting()))
    assert member not in {row[0] for row in found}
