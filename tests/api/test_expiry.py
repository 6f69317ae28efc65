"""Expiry (points.md "Expiry") with a controllable clock: lots, oldest first, refunds after expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from app.models.loyalty.ledger import RedemptionCreate
from app.models.loyalty.purchases import TransactionCreate
from app.repositories import tables
from app.services.finance.expiry import expire_due_points
from app.services.finance.lots import lots_drift
from app.services.integration.api_keys import Principal
from app.services.loyalty import points, transactions
from tests.helpers import ledger_matches_totals, line, new_member, purchase

ADMIN = Principal("key_test", "test", frozenset({"admin"}), None)
T0 = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)


async def set_expiry(client: httpx.AsyncClient, admin: dict[str, str], months: int | None) -> None:
    current = (await client.get("/v1/points/settings", headers=admin)).json()
    body = {k: v for k, v in current.items() if k not in ("y_development", "y_maintenance", "updated_at")}
    r = await client.put(
        "/v1/points/settings",
        json=body | {"points_expiry_months": months},
        headers={**admin, "If-Match": "*"},
    )
    assert r.status_code == 200 and r.json()["points_expiry_months"] == months, r.text


async def earn_at(app: FastAPI, member_id: str, when: datetime) -> dict[str, Any]:
    """A purchase of 480.00 points posted at `when` (the service takes the clock as an argument)."""
    body = TransactionCreate.model_validate(purchase(member_id, line("maintenance", "1000.00", "0.35")))
    posted = await app.state.db.run(lambda s: transactions.post_purchase(s, ADMIN, body, when))
    return posted.model_dump(mode="json")  # type: ignore[no-any-return]


async def redeem_at(app: FastAPI, member_id: str, pts: str, when: datetime) -> None:
    body = RedemptionCreate(points=Decimal(pts))
    await app.state.db.run(lambda s: points.redeem_points(s, ADMIN, member_id, body, when))


async def expire(app: FastAPI, when: datetime) -> int:
    return await app.state.db.run(lambda s: expire_due_points(s, when))  # type: ignore[no-any-return]


async def lots_of(app: FastAPI, member_id: str) -> dict[str, tuple[Decimal, Decimal]]:
    t = tables.points_lot

    async def read(session) -> dict[str, tuple[Decimal, Decimal]]:  # type: ignore[no-untyped-def]
        rows = await session.execute(select(t).where(t.c.customer_id == member_id))
        return {r.id: (r.remaining, r.expired) for r in rows}

    return await app.state.db.run(read)  # type: ignore[no-any-return]


async def balance(client: httpx.AsyncClient, admin: dict[str, str], member_id: str) -> tuple[str, str]:
    p = (await client.get(f"/v1/customers/{member_id}/points", headers=admin)).json()
    return p["balance"], p["lifetime_points"]


async def test_expiry_is_off_by_default(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, phase="maintenance")
    await earn_at(app, member["id"], T0)
    assert await expire(app, T0 + timedelta(days=3650)) == 0
    assert await balance(client, admin, member["id"]) == ("480.00", "480.00")
    shown = (await client.get(f"/v1/customers/{member['id']}/points", headers=admin)).json()
    assert (shown["next_expiry_at"], shown["next_expiry_points"]) == (None, None)


async def test_redemptions_consume_the_oldest_lot_and_expiry_takes_what_is_left(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    await set_expiry(client, admin, 12)
    member_id = (await new_member(client, admin, phase="maintenance"))["id"]
    first = await earn_at(app, member_id, T0)  # lot A, expires 2026-01-10
    second = await earn_at(app, member_id, T0 + timedelta(days=150))  # lot B, expires 2026-06-09
    await redeem_at(app, member_id, "600.00", T0 + timedelta(days=170))  # A gives 480, B 120
    lots = await lots_of(app, member_id)
    shown = (await client.get(f"/v1/customers/{member_id}/points", headers=admin)).json()
    assert (shown["next_expiry_at"], shown["next_expiry_points"]) == ("2026-06-09T09:00:00Z", "360.00")
    ledger = (await client.get(f"/v1/customers/{member_id}/points/ledger", headers=admin)).json()["items"]
    lot_a, lot_b = (next(e["id"] for e in ledger if e["transaction_id"] == t["id"]) for t in (first, second))
    assert lots[lot_a] == (Decimal("0"), Decimal("0")) and lots[lot_b] == (Decimal("360"), Decimal("0"))
    assert await expire(app, datetime(2026, 1, 11, tzinfo=UTC)) == 0  # A is used up: nothing expires
    assert await expire(app, datetime(2026, 6, 10, tzinfo=UTC)) == 1
    entry = (await client.get(f"/v1/customers/{member_id}/points/ledger", headers=admin)).json()["items"][0]
    assert (entry["kind"], entry["points"], entry["lot_id"]) == ("expire", "-360.00", lot_b)
    assert await balance(client, admin, member_id) == ("0.00", "960.00")  # lifetime never expires
    assert await expire(app, datetime(2026, 6, 10, tzinfo=UTC)) == 0  # idempotent
    assert (
        len((await client.get(f"/v1/customers/{member_id}/points/ledger", headers=admin)).json()["items"])
        == 4
    )
    await ledger_matches_totals(client, admin, member_id)


async def test_refund_after_partial_expiry_reverses_only_what_is_left(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    await set_expiry(client, admin, 12)
    member_id = (await new_member(client, admin, phase="maintenance"))["id"]
    posted = await earn_at(app, member_id, T0)
    await redeem_at(app, member_id, "200.00", T0 + timedelta(days=10))
    assert await expire(app, datetime(2026, 2, 1, tzinfo=UTC)) == 1  # the 280.00 left expire
    assert await balance(client, admin, member_id) == ("0.00", "480.00")
    refund = await client.post(f"/v1/transactions/{posted['id']}/refunds", json={}, headers=admin)
    assert refund.status_code == 201, refund.text
    # lifetime loses 480.00; the balance loses only the 200.00 redeemed (the 280.00 expired once)
    assert (refund.json()["points"], refund.json()["balance"], refund.json()["lifetime_points"]) == (
        "480.00",
        "-200.00",
        "0.00",
    )
    ledger = (await client.get(f"/v1/customers/{member_id}/points/ledger", headers=admin)).json()["items"]
    assert [(e["kind"], e["points"]) for e in ledger[:2]] == [("expire", "280.00"), ("reverse", "-480.00")]
    await ledger_matches_totals(client, admin, member_id)


async def test_partial_refunds_never_set_the_expiry_off_twice(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    await set_expiry(client, admin, 1)
    member_id = (await new_member(client, admin, phase="maintenance"))["id"]
    posted = await earn_at(app, member_id, T0)
    await redeem_at(app, member_id, "400.00", T0 + timedelta(days=1))
    assert await expire(app, T0 + timedelta(days=40)) == 1  # 80.00 expire
    url = f"/v1/transactions/{posted['id']}/refunds"
    half = await client.post(url, json={"lines": [{"line_no": 1, "amount": "500.00"}]}, headers=admin)
    assert (half.json()["points"], half.json()["balance"]) == ("240.00", "-160.00")  # 240 − 80 taken
    rest = await client.post(url, json={}, headers=admin)
    assert (rest.json()["points"], rest.json()["balance"]) == ("240.00", "-400.00")  # all 240 taken
    await ledger_matches_totals(client, admin, member_id)


async def test_a_redemption_never_spends_points_past_their_date(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    await set_expiry(client, admin, 12)
    member_id = (await new_member(client, admin, phase="maintenance"))["id"]
    await earn_at(app, member_id, datetime.now(UTC) - timedelta(days=400))  # past its date, not yet run
    await earn_at(app, member_id, datetime.now(UTC) - timedelta(days=1))
    url = f"/v1/customers/{member_id}/points/redemptions"
    short = await client.post(url, json={"points": "480.01"}, headers=admin)
    assert short.status_code == 409 and short.json()["balance"] == "480.00", short.text
    r = await client.post(url, json={"points": "400.00"}, headers=admin)
    assert r.status_code == 201 and r.json()["balance"] == "80.00", r.text
    ledger = (await client.get(f"/v1/customers/{member_id}/points/ledger", headers=admin)).json()["items"]
    assert [(e["kind"], e["points"]) for e in ledger[:2]] == [("redeem", "-400.00"), ("expire", "-480.00")]
    await ledger_matches_totals(client, admin, member_id)


async def test_lots_add_up_to_the_positive_balance(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    await set_expiry(client, admin, 6)
    member_id = (await new_member(client, admin, phase="maintenance"))["id"]
    first = await earn_at(app, member_id, T0)
    await redeem_at(app, member_id, "450.00", T0 + timedelta(days=1))
    await client.post(f"/v1/transactions/{first['id']}/refunds", json={}, headers=admin)  # balance −450
    assert sum(r for r, _ in (await lots_of(app, member_id)).values()) == 0
    await earn_at(app, member_id, T0 + timedelta(days=2))  # +480: fills the deficit, 30 left on the lot
    assert sum(r for r, _ in (await lots_of(app, member_id)).values()) == Decimal(30)
    assert await expire(app, T0 + timedelta(days=300)) == 1
    assert await balance(client, admin, member_id) == ("0.00", "480.00")


async def test_lots_drift_is_reported(client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]) -> None:
    await set_expiry(client, admin, 6)
    member_id = (await new_member(client, admin, phase="maintenance"))["id"]
    await earn_at(app, member_id, T0)
    await redeem_at(app, member_id, "80.50", T0 + timedelta(days=1))
    assert await app.state.db.run(lots_drift) == []

    async def corrupt(session) -> None:  # type: ignore[no-untyped-def]
        t = tables.points_lot
        await session.execute(
            update(t)
            .where(t.c.customer_id == member_id)
            .values(remaining=t.c.remaining + 1)  # one point (the column type scales it)
        )

    await app.state.db.run(corrupt)
    assert await app.state.db.run(lots_drift) == [f"member {member_id}: lots hold 400.50, balance 399.50"]
