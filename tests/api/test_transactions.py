"""Posting, quoting and refunding purchases through the API, to the cent."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import ledger_matches_totals, line, new_member, post, purchase, put_current

VECTORS = Path(__file__).parents[1] / "unit" / "domain" / "vectors"


async def configure(client: httpx.AsyncClient, admin: dict[str, str], case: dict[str, Any]) -> None:
    """Install a vector's tiers and X, and service types with its line weights."""
    settings = (await client.get("/v1/points/settings", headers=admin)).json()
    x = case["x"] if isinstance(case["x"], dict) else {"development": case["x"], "maintenance": case["x"]}
    body = {
        k: settings[k] for k in ("point_value", "liability_warning", "liability_critical", "liability_target")
    }
    body |= {"x_development": x["development"], "x_maintenance": x["maintenance"]}
    assert (await put_current(client, "/v1/points/settings", body, admin)).status_code == 200
    tiers = [
        {
            "code": t["code"],
            "name": t["code"].title(),
            "threshold": t["threshold"],
            "rebate_rate": t["rebate_rate"],
        }
        for t in case.get("tiers", [{"code": "standard", "threshold": "0", "rebate_rate": "0"}])
    ]
    assert (await put_current(client, "/v1/tiers", {"tiers": tiers}, admin)).status_code == 200


async def weighted_type(client: httpx.AsyncClient, admin: dict[str, str], weight: str) -> str:
    code = "w" + weight.replace(".", "_")
    body = {"code": code, "name": code, "category": "test", "average_margin": "0", "points_weight": weight}
    response = await client.post("/v1/service-types", json=body, headers=admin)
    assert response.status_code in (201, 409), response.text
    return code


async def api_lines(
    client: httpx.AsyncClient, admin: dict[str, str], raw: list[dict[str, str]]
) -> list[dict[str, Any]]:
    return [
        line(await weighted_type(client, admin, r.get("weight", "1")), r["amount"], r["margin"]) for r in raw
    ]


@pytest.mark.parametrize(
    "case", json.loads((VECTORS / "vectors.json").read_text()), ids=lambda c: c["name"][:30]
)
async def test_purchase_vectors_through_the_api(
    client: httpx.AsyncClient, admin: dict[str, str], case: dict[str, Any]
) -> None:
    await configure(client, admin, case)
    phase = case["purchases"][0]["phase"]
    member = await new_member(client, admin, phase=phase)
    if Decimal(case["lifetime_before"]) > 0:
        opening = {"points": case["lifetime_before"], "reason": "opening balance", "counts_toward_tier": True}
        r = await client.post(f"/v1/customers/{member['id']}/points/adjustments", json=opening, headers=admin)
        assert r.status_code == 201, r.text
    for bought, want in zip(case["purchases"], case["expected"], strict=True):
        body = purchase(member["id"], *await api_lines(client, admin, bought["lines"]))
        quote = await client.post("/v1/transactions/quote", json=body, headers=admin)
        posted = await post(client, admin, body)
        assert posted.status_code == 201, posted.text
        got = posted.json()
        assert quote.status_code == 200
        assert {k: quote.json()[k] for k in ("points", "payable", "rebate", "tier_after")} == {
            k: got[k] for k in ("points", "payable", "rebate", "tier_after")
        }
        assert got["rebate"] == want["rebate_total"]
        assert got["payable"] == want["payable"]
        assert got["profit_points"] == want["profit_points"]
        assert got["consumption_points"] == want["consumption_points"]
        assert got["points"] == want["points"]
        assert (got["tier_before"], got["tier_after"]) == (want["tier_before"], want["tier_after"])
        assert got["lifetime_points"] == want["lifetime_after"]
        for api_line, want_line in zip(got["lines"], want["lines"], strict=True):
            for field in ("rebate", "paid", "profit_points", "consumption_points", "list_profit"):
                assert api_line[field] == want_line[field]
        # the tier a mobile app reads follows the posting
        tier = (await client.get(f"/v1/customers/{member['id']}/tier", headers=admin)).json()
        assert tier["tier"] == want["tier_after"]
    await ledger_matches_totals(client, admin, member["id"])


@pytest.mark.parametrize(
    "case", json.loads((VECTORS / "refund_vectors.json").read_text()), ids=lambda c: c["name"]
)
async def test_refund_vectors_through_the_api(
    client: httpx.AsyncClient, admin: dict[str, str], case: dict[str, Any]
) -> None:
    await configure(client, admin, case)
    member = await new_member(client, admin, phase="maintenance")
    posted = (
        await post(client, admin, purchase(member["id"], *await api_lines(client, admin, case["lines"])))
    ).json()
    assert posted["points"] == case["purchase_points"]
    for refund, lifetime in zip(case["refunds"], case["lifetime_after"], strict=True):
        r = await client.post(
            f"/v1/transactions/{posted['id']}/refunds", json={"lines": refund}, headers=admin
        )
        assert r.status_code == 201, r.text
        assert r.json()["lifetime_points"] == lifetime
    await ledger_matches_totals(client, admin, member["id"])


async def test_full_refund_reverses_everything_and_regrades(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin)
    big = (await post(client, admin, purchase(member["id"], line("maintenance", "20000.00", "0.40")))).json()
    assert big["tier_after"] == "silver"
    r = await client.post(f"/v1/transactions/{big['id']}/refunds", json={}, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["points"] == big["points"]
    assert (r.json()["tier_before"], r.json()["tier_after"]) == ("silver", "standard")
    again = await client.post(f"/v1/transactions/{big['id']}/refunds", json={}, headers=admin)
    assert again.status_code == 409
    over = await client.post(
        f"/v1/transactions/{big['id']}/refunds",
        json={"lines": [{"line_no": 1, "amount": "1.00"}]},
        headers=admin,
    )
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "lines[0].amount"
    txn = (await client.get(f"/v1/transactions/{big['id']}", headers=admin)).json()
    assert txn["reversed_points"] == big["points"] and txn["refunded_amount"] == big["payable"]
    await ledger_matches_totals(client, admin, member["id"])


async def test_first_purchase_moves_a_prospect_to_maintenance_with_development_x(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    settings = (await client.get("/v1/points/settings", headers=admin)).json()
    body = {
        k: settings[k] for k in ("point_value", "liability_warning", "liability_critical", "liability_target")
    }
    await put_current(
        client, "/v1/points/settings", body | {"x_development": "0.6", "x_maintenance": "0.9"}, admin
    )
    member = await new_member(client, admin)
    assert member["phase"] == "development"
    first = (await post(client, admin, purchase(member["id"], line("maintenance", "100.00", "0.5")))).json()
    second = (await post(client, admin, purchase(member["id"], line("maintenance", "100.00", "0.5")))).json()
    assert (first["x"], first["phase"], first["points"]) == ("0.6", "development", "70.00")  # .6*50 + .4*100
    assert (second["x"], second["phase"], second["points"]) == (
        "0.9",
        "maintenance",
        "55.00",
    )  # .9*50 + .1*100
    got = (await client.get(f"/v1/customers/{member['id']}", headers=admin)).json()
    assert got["phase"] == "maintenance" and got["lifecycle_stage"] == "formation"


async def test_default_margin_and_cost(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    body = purchase(member["id"], line("parts", "1000.00"), line("repair", "1000.00", cost="640.00"))
    got = (await post(client, admin, body)).json()
    assert [ln["list_profit"] for ln in got["lines"]] == ["250.00", "360.00"]  # parts average margin 0.25
    assert [ln["margin"] for ln in got["lines"]] == ["0.25", "0.36"]


async def test_quote_saves_nothing(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    body = purchase(member["id"], line("maintenance", "500.00", "0.3"))
    for _ in range(2):
        assert (await client.post("/v1/transactions/quote", json=body, headers=admin)).status_code == 200
    points = (await client.get(f"/v1/customers/{member['id']}/points", headers=admin)).json()
    assert points["balance"] == "0.00"
    listed = (
        await client.get("/v1/transactions", params={"customer_id": member["id"]}, headers=admin)
    ).json()
    assert listed["items"] == []
    assert (await post(client, admin, body)).status_code == 201  # the quoted receipt is still free


async def test_receipt_is_posted_once(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    body = purchase(member["id"], line("maintenance", "500.00", "0.3"), external_id="R-DUP")
    first = await post(client, admin, body)
    second = await post(client, admin, body)
    assert second.status_code == 409
    assert second.json()["existing_id"] == first.json()["id"]
    other_store = await post(client, admin, {**body, "store_id": "dealer-02"})
    assert other_store.status_code == 201


async def test_idempotency_key_replays_and_refuses_another_body(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin)
    body = purchase(member["id"], line("maintenance", "500.00", "0.3"))
    headers = {**admin, "Idempotency-Key": "abc-123"}
    first = await post(client, headers, body)
    replay = await post(client, headers, body)
    assert (replay.status_code, replay.json()) == (first.status_code, first.json())
    assert replay.headers["Idempotent-Replayed"] == "true"
    changed = await post(client, headers, {**body, "external_id": "R-OTHER"})
    assert changed.status_code == 422 and changed.json()["errors"][0]["field"] == "Idempotency-Key"
    listed = (
        await client.get("/v1/transactions", params={"customer_id": member["id"]}, headers=admin)
    ).json()
    assert len(listed["items"]) == 1


async def test_store_restricted_key(client: httpx.AsyncClient, app: Any, admin: dict[str, str]) -> None:
    from app.models.integration.api_keys import Scope
    from tests.conftest import make_key

    pos = await make_key(app, Scope.transactions_write, store_id="dealer-01")
    member = await new_member(client, admin)
    assert (await post(client, pos, purchase(member["id"], line("parts", "10.00")))).status_code == 201
    refused = await post(client, pos, purchase(member["id"], line("parts", "10.00"), store_id="dealer-02"))
    assert refused.status_code == 403


async def test_transactions_list_paginates(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    ids = [
        (await post(client, admin, purchase(member["id"], line("parts", "10.00")))).json()["id"]
        for _ in range(5)
    ]
    seen, cursor = [], None
    while True:
        params = {"customer_id": member["id"], "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/transactions", params=params, headers=admin)).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
