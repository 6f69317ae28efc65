"""`crm points expire` (batched, idempotent) and `crm alerts run` against the test database."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.models.loyalty.purchases import TransactionCreate
from app.services.loyalty import transactions
from tests.api.test_expiry import ADMIN, T0, balance, earn_at, set_expiry
from tests.conftest import SECRET
from tests.helpers import line, new_member, purchase
from tests.integration.test_cli import crm


async def test_points_expire_runs_in_batches_and_again_finds_nothing(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str], migrated: str
) -> None:
    await set_expiry(client, admin, 1)
    members = [(await new_member(client, admin, phase="maintenance"))["id"] for _ in range(3)]
    for member in members:
        await earn_at(app, member, T0)
    env = {"CRM_DATABASE_URL": migrated, "CRM_SECRET_KEY": SECRET}
    out = crm("points", "expire", "--now", "2025-03-01T00:00:00", "--batch", "2", env=env)
    assert "due points of 3 members" in out
    assert [await balance(client, admin, m) for m in members] == [("0.00", "480.00")] * 3
    assert "due points of 0 members" in crm("points", "expire", "--now", "2025-03-01T00:00:00", env=env)


async def test_alerts_run_reports_low_margins(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str], migrated: str
) -> None:

    member = (await new_member(client, admin, phase="maintenance"))["id"]
    body = TransactionCreate.model_validate(purchase(member, line("parts", "100.00", "0.01")))
    await app.state.db.run(lambda s: transactions.post_purchase(s, ADMIN, body, T0))
    env = {"CRM_DATABASE_URL": migrated, "CRM_SECRET_KEY": SECRET}
    out = crm("alerts", "run", "--now", "2025-01-11T06:00:00+00:00", env=env)
    assert "pnl.margin_low day:2025-01-10 business=-" in out and "store=dealer-01" in out
    assert ": raised" in out and "found (raised before)" not in out
    [business] = (await client.get("/v1/alerts", params={"kind": "pnl.margin_low"}, headers=admin)).json()[
        "items"
    ][-1:]
    assert business["cause"]["type"] == "period" and business["figures"]["period"] in (
        "day:2025-01-10",
        "month:2024-12",
    )
    again = crm("alerts", "run", "--now", "2025-01-11T06:00:00+00:00", env=env)
    assert ": raised" not in again and "found (raised before)" in again
    listed = (await client.get("/v1/alerts", params={"kind": "pnl.margin_low"}, headers=admin)).json()
    assert len(listed["items"]) == out.count(": raised")
