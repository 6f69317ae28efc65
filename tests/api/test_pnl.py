"""Profit-and-loss warning: findings below the margin floor, per period, store and service type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from fastapi import FastAPI

from app.repositories.finance.reports import balances_before
from app.services.finance.pnl import Period, evaluate_pnl, last_complete_periods, run_time_rules
from tests.helpers import line, new_member, post, purchase


async def _floor(client: httpx.AsyncClient, admin: dict[str, str], floor: str) -> None:
    current = (await client.get("/v1/points/settings", headers=admin)).json()
    body = {k: v for k, v in current.items() if k not in ("y_development", "y_maintenance", "updated_at")}
    r = await client.put(
        "/v1/points/settings", json=body | {"pnl_margin_floor": floor}, headers={**admin, "If-Match": "*"}
    )
    assert r.status_code == 200, r.text


async def test_low_margin_store_and_service_type_are_found(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    await _floor(client, admin, "0.2")
    member = (await new_member(client, admin, phase="maintenance"))["id"]
    # maintenance at 0.35: net = 1000 − 650 − 4.80 = 345.20 → 0.3452
    await post(client, admin, purchase(member, line("maintenance", "1000.00", "0.35")))
    # parts at 0.05 in dealer-02: points 0.8 × 5 + 0.2 × 100 = 24.00; net = 100 − 95 − 0.24 = 4.76 → 0.0476
    await post(client, admin, purchase(member, line("parts", "100.00", "0.05"), store_id="dealer-02"))
    now = datetime.now(UTC)
    today = Period("day", now.date())
    assert await app.state.db.run(lambda s: evaluate_pnl(s, today, now)) == []  # the day is not over
    later = now + timedelta(days=1)
    findings = await app.state.db.run(lambda s: evaluate_pnl(s, today, later))
    found = {(f.scope, f.key): f for f in findings}
    assert set(found) == {("store", "dealer-02"), ("service_type", "parts")}
    parts = found[("service_type", "parts")]
    assert (parts.net_margin, parts.floor, parts.figures["revenue"], parts.figures["accrued_liability"]) == (
        Decimal("0.0476"),
        Decimal("0.2"),
        Decimal("100.00"),
        Decimal("0.24"),
    )
    assert parts.dedupe_key == f"pnl.margin_low:day:{now.date().isoformat()}:service_type:parts"
    await _floor(client, admin, "0.4")  # now the whole business is below it too
    again = await app.state.db.run(lambda s: evaluate_pnl(s, today, later))
    business = next(f for f in again if f.scope == "business")
    assert business.net_margin == Decimal("0.3181") and business.key is None  # 349.96 / 1100
    outcome = await app.state.db.run(lambda s: run_time_rules(s, later))
    assert {f.dedupe_key for f, _ in outcome} >= {f.dedupe_key for f in again}
    assert all(raised for _, raised in outcome)
    rerun = await app.state.db.run(lambda s: run_time_rules(s, later))
    assert not any(raised for _, raised in rerun)  # one alert per period and group


def test_last_complete_periods() -> None:
    periods = last_complete_periods(datetime(2026, 3, 1, 0, 5, tzinfo=UTC))
    assert [(p.kind, p.start.isoformat()) for p in periods] == [
        ("day", "2026-02-28"),
        ("month", "2026-02-01"),
    ]


async def test_balance_replay_pages_in_order(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    member = (await new_member(client, admin, phase="maintenance"))["id"]
    for _ in range(5):
        await post(client, admin, purchase(member, line("parts", "10.00", "0.2")))
    end = datetime.now(UTC) + timedelta(seconds=1)

    async def replay(page: int) -> list[int]:
        async def run(session) -> list[int]:  # type: ignore[no-untyped-def]
            return [row.entry_no async for row in balances_before(session, end, page)]

        return await app.state.db.run(run)  # type: ignore[no-any-return]

    assert await replay(2) == await replay(5000) == [1, 2, 3, 4, 5]
