"""Finance reports reconcile with the ledger and the purchases, to the cent."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.domain.finance.pnl import SUMMED  # the columns a report sums
from app.repositories.finance import reports as reports_repo
from app.services.finance.lots import lots_drift
from tests.helpers import line, new_member, post, purchase

CENT = Decimal("0.01")
PV = Decimal("0.01")


def r2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


async def _scenario(client: httpx.AsyncClient, admin: dict[str, str]) -> list[str]:
    """Two members, three stores: purchases, paying with points, a refund, redemptions, an adjustment."""
    a = (await new_member(client, admin, phase="maintenance"))["id"]
    b = (await new_member(client, admin, phase="maintenance"))["id"]
    first = purchase(a, line("maintenance", "1000.00", "0.35"), line("parts", "2000.00", "0.25"))
    t1 = (await post(client, admin, first)).json()
    await post(client, admin, purchase(b, line("parts", "500.00", "0.2"), store_id="dealer-02"))
    await post(
        client,
        admin,
        purchase(a, line("maintenance", "1000.00", "0.35"), store_id="dealer-02", redeem_points="300.00"),
    )
    refund = {"lines": [{"line_no": 2, "amount": "333.33"}]}
    assert (
        await client.post(f"/v1/transactions/{t1['id']}/refunds", json=refund, headers=admin)
    ).status_code == 201
    body = {"points": "50.00", "store_id": "dealer-03", "receipt_ref": "POS-1"}
    red = (await client.post(f"/v1/customers/{b}/points/redemptions", json=body, headers=admin)).json()
    await client.post(
        f"/v1/customers/{b}/points/redemptions/{red['entry']['id']}/reversal", json={}, headers=admin
    )
    await client.post(f"/v1/customers/{b}/points/redemptions", json={"points": "20.00"}, headers=admin)
    adjust = {"points": "-15.50", "reason": "correction"}
    await client.post(f"/v1/customers/{a}/points/adjustments", json=adjust, headers=admin)
    return [a, b]


async def _expected(
    client: httpx.AsyncClient, admin: dict[str, str], members: list[str]
) -> dict[str, Decimal]:
    """The figures computed here from the API's own purchase and ledger reads."""
    e = dict.fromkeys(SUMMED, Decimal(0))
    purchases = (await client.get("/v1/transactions", params={"limit": 500}, headers=admin)).json()["items"]
    for p in purchases:
        for ln in p["lines"]:
            amount, profit, paid = Decimal(ln["amount"]), Decimal(ln["list_profit"]), Decimal(ln["paid"])
            refunded = Decimal(ln["refunded_amount"])
            e["sales"] += paid
            e["refunds"] += refunded
            e["cost"] += amount - profit - (r2((amount - profit) * refunded / paid) if refunded else 0)
            e["list_profit"] += profit
            e["rebates"] += Decimal(ln["rebate"])
    e["revenue"] = e["sales"] - e["refunds"]
    liability = Decimal(0)
    for member in members:
        ledger = (await client.get(f"/v1/customers/{member}/points/ledger", headers=admin)).json()["items"]
        for entry in ledger:
            pts, kind = Decimal(entry["points"]), entry["kind"]
            if kind == "reverse":
                e["points_reversed" if entry["refund_id"] else "points_redeemed"] -= pts
            else:
                name = {"earn": "points_earned", "redeem": "points_redeemed", "adjust": "points_adjusted"}[
                    kind
                ]
                e[name] += -pts if kind == "redeem" else pts
        balance = Decimal(
            (await client.get(f"/v1/customers/{member}/points", headers=admin)).json()["balance"]
        )
        liability += max(Decimal(0), balance)
    e["liability_end"] = r2(liability * PV)
    return e


def _as_decimals(row: dict[str, Any]) -> dict[str, Decimal]:
    return {k: Decimal(row[k]) for k in SUMMED}


async def test_finance_report_reconciles_with_ledger_and_purchases(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    members = await _scenario(client, admin)
    assert await app.state.db.run(lots_drift) == []  # the lots still add up to the balances
    expected = await _expected(client, admin, members)
    today = datetime.now(UTC).date()
    params = {"from": today.isoformat(), "to": today.isoformat()}
    report = (
        await client.get("/v1/reports/finance", params=params | {"group_by": "day"}, headers=admin)
    ).json()
    total = report["total"]
    assert _as_decimals(total) == {k: expected[k] for k in SUMMED}
    accrued = r2((expected["points_earned"] - expected["points_reversed"]) * PV)
    net = expected["revenue"] - expected["cost"] - accrued
    assert Decimal(total["accrued_liability"]) == accrued and Decimal(total["net_profit"]) == net
    assert Decimal(total["net_margin"]) == (net / expected["revenue"]).quantize(
        Decimal("0.0001"), ROUND_HALF_UP
    )
    assert Decimal(total["redemptions_paid"]) == r2(expected["points_redeemed"] * PV)
    assert Decimal(total["liability_end"]) == expected["liability_end"]
    assert report["rows"][0]["key"] == today.isoformat() and report["rows"][0] == {
        **total,
        "key": today.isoformat(),
    }
    # the earned points less everything taken out is what the members hold
    held = (
        expected["points_earned"]
        - expected["points_reversed"]
        - expected["points_redeemed"]
        + expected["points_adjusted"]
    )
    assert r2(held * PV) == expected["liability_end"]
    for group_by in ("month", "tier", "service_type", "store"):
        grouped = (
            await client.get("/v1/reports/finance", params=params | {"group_by": group_by}, headers=admin)
        ).json()
        assert grouped["total"] == total, group_by
        sums = {k: sum((Decimal(r[k]) for r in grouped["rows"]), Decimal(0)) for k in SUMMED}
        assert sums == _as_decimals(total), group_by
    stores = (
        await client.get("/v1/reports/finance", params=params | {"group_by": "store"}, headers=admin)
    ).json()
    by_store = {r["key"]: r for r in stores["rows"]}
    assert set(by_store) == {"dealer-01", "dealer-02", "dealer-03", None}
    assert by_store["dealer-03"]["points_redeemed"] == "0.00"  # redeemed and reversed there
    assert by_store["dealer-02"]["points_redeemed"] == "300.00"  # paid with points there
    assert by_store[None]["points_redeemed"] == "20.00" and by_store[None]["points_adjusted"] == "-15.50"
    tiers = (
        await client.get("/v1/reports/finance", params=params | {"group_by": "tier"}, headers=admin)
    ).json()
    assert sum(Decimal(r["liability_end"]) for r in tiers["rows"]) == expected["liability_end"]


async def test_reports_read_in_pages_give_the_same_figures(
    client: httpx.AsyncClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await _scenario(client, admin)
    today = datetime.now(UTC).date().isoformat()
    params = {"from": today, "to": today, "group_by": "service_type"}
    whole = (await client.get("/v1/reports/finance", params=params, headers=admin)).json()
    monkeypatch.setattr(reports_repo, "PAGE", 2)  # every purchase, refund and entry page is split
    assert (await client.get("/v1/reports/finance", params=params, headers=admin)).json() == whole


async def test_liability_at_the_end_of_each_day(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    members = await _scenario(client, admin)
    expected = await _expected(client, admin, members)
    today = datetime.now(UTC).date()
    params = {"from": (today - timedelta(days=2)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    rows = (await client.get("/v1/reports/finance", params=params, headers=admin)).json()["rows"]
    liability = str(expected["liability_end"])
    assert [r["liability_end"] for r in rows] == ["0.00", "0.00", liability, liability]
    assert [r["sales"] for r in rows][::3] == ["0.00", "0.00"]


async def test_finance_report_as_csv(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await _scenario(client, admin)
    today = datetime.now(UTC).date().isoformat()
    params = {"from": today, "to": today, "group_by": "store"}
    as_json = (await client.get("/v1/reports/finance", params=params, headers=admin)).json()
    r = await client.get("/v1/reports/finance", params=params, headers={**admin, "Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))
    assert [row["key"] for row in table] == [row["key"] or "" for row in as_json["rows"]] + ["total"]
    assert (
        table[-1]["revenue"] == as_json["total"]["revenue"]
        and table[-1]["net_margin"] == as_json["total"]["net_margin"]
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"from": "2020-01-01", "to": "2025-01-01"}, "to"),
        ({"from": "2026-01-01", "to": "2026-01-31", "group_by": "week"}, "group_by"),
        ({"from": "2026-01-01", "to": "2026-01-31", "currency": "CNY"}, "currency"),
        ({"to": "2026-01-31"}, "from"),
        ({"from": "2026-13-01", "to": "2026-01-31"}, "from"),
        ({"from": "9999-12-31", "to": "9999-12-31"}, "from"),
    ],
)
async def test_bad_report_input_is_422_naming_the_field(
    client: httpx.AsyncClient, admin: dict[str, str], params: dict[str, str], field: str
) -> None:
    r = await client.get("/v1/reports/finance", params=params, headers=admin)
    assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], r.text


async def test_five_years_less_a_day_is_accepted(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    params = {"from": "2021-01-01", "to": "2025-12-31", "group_by": "month"}
    r = await client.get("/v1/reports/finance", params=params, headers=admin)
    assert r.status_code == 200 and len(r.json()["rows"]) == 60


async def test_liability_report(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    members = await _scenario(client, admin)
    balances = []
    for member in members:
        balances.append(
            Decimal((await client.get(f"/v1/customers/{member}/points", headers=admin)).json()["balance"])
        )
    report = (await client.get("/v1/reports/liability", params={"top": 1}, headers=admin)).json()
    assert Decimal(report["points"]) == sum(b for b in balances if b > 0)
    assert Decimal(report["liability"]) == r2(sum(b for b in balances if b > 0) * PV)
    assert [Decimal(h["balance"]) for h in report["top_holders"]] == [max(balances)]
    assert sum(Decimal(t["points"]) for t in report["by_tier"]) == sum(balances)
    assert sum(g["members"] for g in report["by_band"]) == 2
    assert {g["key"] for g in report["by_band"]} <= {"<=0", "0-1000", "1000-10000", "10000-100000", "100000+"}


def test_every_entry_kind_has_a_place_in_the_report() -> None:
    """A new ledger entry kind must be given a column (or declared pointless) before it ships."""
    from app.models.loyalty.ledger import EntryKind
    from app.services.finance.reports import _ENTRY_FIGURE, NO_POINTS

    assert set(_ENTRY_FIGURE) | NO_POINTS | {"reverse"} == {k.value for k in EntryKind}


async def test_a_regraded_member_does_not_break_the_report(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, phase="maintenance")
    assert (
        await post(client, admin, purchase(member["id"], line("parts", "10000.00", "0.3")))
    ).status_code == 201
    table = (await client.get("/v1/tiers", headers=admin)).json()["tiers"]
    lowered = [{**t, "threshold": "0" if i == 0 else str(i * 100)} for i, t in enumerate(table)]
    assert (
        await client.put("/v1/tiers", json={"tiers": lowered}, headers={**admin, "If-Match": "*"})
    ).status_code == 200
    today = datetime.now(UTC).date().isoformat()
    params = {"from": today, "to": today, "group_by": "day"}
    report = await client.get("/v1/reports/finance", params=params, headers=admin)
    assert report.status_code == 200, report.text
    assert report.json()["total"]["points_earned"] != "0.00"
