"""Redemptions a POS can reconcile: store and receipt, one reversal, paying with points."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from app.models.integration.api_keys import Scope
from tests.conftest import make_key
from tests.helpers import ledger_matches_totals, line, new_member, post, purchase

# maintenance 1000.00 at margin 0.35, standard tier, X = 0.8: Zm = 0.8 × 350 + 0.2 × 1000 = 480.00
SERVICE = line("maintenance", "1000.00", "0.35")


async def _member_with_480(client: httpx.AsyncClient, admin: dict[str, str], **fields: Any) -> str:
    member = await new_member(client, admin, phase="maintenance", **fields)
    assert (await post(client, admin, purchase(member["id"], SERVICE))).status_code == 201
    return str(member["id"])


async def _ledger(client: httpx.AsyncClient, admin: dict[str, str], member_id: str) -> list[dict[str, Any]]:
    r = await client.get(f"/v1/customers/{member_id}/points/ledger", headers=admin)
    return list(r.json()["items"])


async def test_redemption_names_store_and_receipt_and_is_reversed_once(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member_id = await _member_with_480(client, admin)
    body = {"points": "200.00", "store_id": "dealer-01", "receipt_ref": "POS-77"}
    r = await client.post(f"/v1/customers/{member_id}/points/redemptions", json=body, headers=admin)
    assert r.status_code == 201, r.text
    entry = r.json()["entry"]
    assert (entry["store_id"], entry["receipt_ref"], r.json()["balance"]) == ("dealer-01", "POS-77", "280.00")
    url = f"/v1/customers/{member_id}/points/redemptions/{entry['id']}/reversal"
    first = await client.post(url, json={"reason": "receipt voided"}, headers=admin)
    assert first.status_code == 201, first.text
    assert (first.json()["balance"], first.json()["value"]) == ("480.00", "2.00")
    back = first.json()["entry"]
    assert (back["kind"], back["points"], back["reverses_id"], back["store_id"]) == (
        "reverse",
        "200.00",
        entry["id"],
        "dealer-01",
    )
    again = await client.post(url, json={}, headers=admin)
    assert again.status_code == 409 and again.json()["existing_id"] == back["id"]
    assert (await client.get(f"/v1/customers/{member_id}/points", headers=admin)).json()[
        "balance"
    ] == "480.00"
    await ledger_matches_totals(client, admin, member_id)


async def test_reversal_of_what_is_not_a_redemption_is_404(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member_id = await _member_with_480(client, admin)
    earn = (await _ledger(client, admin, member_id))[0]
    base = f"/v1/customers/{member_id}/points/redemptions"
    assert (await client.post(f"{base}/{earn['id']}/reversal", json={}, headers=admin)).status_code == 404
    assert (await client.post(f"{base}/led_nope/reversal", json={}, headers=admin)).status_code == 404


async def test_reversal_replays_with_idempotency_key(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member_id = await _member_with_480(client, admin)
    r = await client.post(
        f"/v1/customers/{member_id}/points/redemptions", json={"points": "80.00"}, headers=admin
    )
    url = f"/v1/customers/{member_id}/points/redemptions/{r.json()['entry']['id']}/reversal"
    headers = {**admin, "Idempotency-Key": "void-1"}
    first = await client.post(url, json={}, headers=headers)
    second = await client.post(url, json={}, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Idempotent-Replayed"] == "true" and second.json() == first.json()


async def test_store_key_redeems_at_its_store_and_sees_no_other_store(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    member_id = await _member_with_480(client, admin, store_id="dealer-02")
    pos = await make_key(app, Scope.points_write, store_id="dealer-02")
    mine = await client.post(
        f"/v1/customers/{member_id}/points/redemptions", json={"points": "10.00"}, headers=pos
    )
    assert mine.status_code == 201 and mine.json()["entry"]["store_id"] == "dealer-02"
    other = {"points": "10.00", "store_id": "dealer-01"}
    forbidden = await client.post(f"/v1/customers/{member_id}/points/redemptions", json=other, headers=pos)
    assert forbidden.status_code == 403
    theirs = await client.post(f"/v1/customers/{member_id}/points/redemptions", json=other, headers=admin)
    url = f"/v1/customers/{member_id}/points/redemptions/{theirs.json()['entry']['id']}/reversal"
    assert (await client.post(url, json={}, headers=pos)).status_code == 404


async def test_paying_with_points_quote_and_post(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member_id = await _member_with_480(client, admin)
    body = purchase(member_id, SERVICE, redeem_points="300.00")
    quote = await client.post("/v1/transactions/quote", json=body, headers=admin)
    assert quote.status_code == 200, quote.text
    q = quote.json()
    assert (
        q["payable"],
        q["points"],
        q["redeemed_points"],
        q["redeemed_value"],
        q["to_pay"],
        q["balance"],
    ) == (
        "1000.00",
        "480.00",
        "300.00",
        "3.00",
        "997.00",
        "660.00",
    )
    r = await post(client, admin, body)
    assert r.status_code == 201, r.text
    t = r.json()
    assert (t["payable"], t["points"], t["redeemed_value"], t["to_pay"], t["balance"]) == (
        "1000.00",
        "480.00",
        "3.00",
        "997.00",
        "660.00",
    )
    entries = await _ledger(client, admin, member_id)
    assert [(e["kind"], e["points"], e["receipt_ref"]) for e in entries[:2]] == [
        ("redeem", "-300.00", body["external_id"]),
        ("earn", "480.00", body["external_id"]),
    ]
    assert entries[0]["transaction_id"] == t["id"]
    fetched = (await client.get(f"/v1/transactions/{t['id']}", headers=admin)).json()
    assert (fetched["redeemed_points"], fetched["to_pay"]) == ("300.00", "997.00")
    await ledger_matches_totals(client, admin, member_id)


async def test_points_earned_by_a_purchase_cannot_pay_for_it(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member_id = await _member_with_480(client, admin)
    body = purchase(member_id, SERVICE, redeem_points="480.01")  # the purchase itself earns 480.00
    for url in ("/v1/transactions/quote", "/v1/transactions"):
        r = await client.post(url, json=body, headers=admin)
        assert r.status_code == 409 and "redeem_points" in r.json()["detail"], r.text
    points = (await client.get(f"/v1/customers/{member_id}/points", headers=admin)).json()
    assert (points["balance"], points["lifetime_points"]) == ("480.00", "480.00")


async def test_points_never_pay_more_than_the_payable(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, phase="maintenance")
    adjust = {"points": "5000.00", "reason": "opening balance"}
    await client.post(f"/v1/customers/{member['id']}/points/adjustments", json=adjust, headers=admin)
    parts = line("parts", "10.00", "0.25")
    over = await post(client, admin, purchase(member["id"], parts, redeem_points="1000.01"))
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "redeem_points"
    exact = await post(client, admin, purchase(member["id"], parts, redeem_points="1000.00"))
    assert exact.status_code == 201 and exact.json()["to_pay"] == "0.00"
    zero = await post(client, admin, purchase(member["id"], parts, redeem_points="0"))
    assert zero.status_code == 422


async def test_full_refund_gives_back_the_points_paid_with_partial_does_not(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member_id = await _member_with_480(client, admin)
    t = (await post(client, admin, purchase(member_id, SERVICE, redeem_points="300.00"))).json()
    partial = await client.post(
        f"/v1/transactions/{t['id']}/refunds",
        json={"lines": [{"line_no": 1, "amount": "500.00"}]},
        headers=admin,
    )
    assert partial.status_code == 201, partial.text
    # 500 of 1000: reversed p = 175.00, u = 500.00, Zm = 240.00; 660 − 240 = 420
    assert (partial.json()["points"], partial.json()["returned_points"], partial.json()["balance"]) == (
        "240.00",
        "0.00",
        "420.00",
    )
    rest = await client.post(f"/v1/transactions/{t['id']}/refunds", json={}, headers=admin)
    assert (rest.json()["points"], rest.json()["returned_points"], rest.json()["balance"]) == (
        "240.00",
        "300.00",
        "480.00",
    )
    kinds = [(e["kind"], e["points"]) for e in (await _ledger(client, admin, member_id))[:2]]
    assert kinds == [("reverse", "300.00"), ("reverse", "-240.00")]
    await ledger_matches_totals(client, admin, member_id)


async def test_a_reversed_payment_is_not_given_back_twice_by_the_refund(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member_id = await _member_with_480(client, admin)
    t = (await post(client, admin, purchase(member_id, SERVICE, redeem_points="300.00"))).json()
    redeem = (await _ledger(client, admin, member_id))[0]
    url = f"/v1/customers/{member_id}/points/redemptions/{redeem['id']}/reversal"
    assert (await client.post(url, json={}, headers=admin)).status_code == 201
    refund = await client.post(f"/v1/transactions/{t['id']}/refunds", json={}, headers=admin)
    assert (refund.json()["returned_points"], refund.json()["balance"]) == ("0.00", "480.00")


async def test_redemptions_list_for_reconciliation(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    member_id = await _member_with_480(client, admin)
    url = f"/v1/customers/{member_id}/points/redemptions"
    made = []
    for i, store in enumerate(("dealer-01", "dealer-02", "dealer-01")):
        body = {"points": f"{10 + i}.00", "store_id": store, "receipt_ref": f"POS-{i}"}
        made.append((await client.post(url, json=body, headers=admin)).json()["entry"])
    await client.post(f"{url}/{made[0]['id']}/reversal", json={}, headers=admin)
    listed = await client.get(
        "/v1/points/redemptions", params={"store_id": "dealer-01", "limit": 1}, headers=admin
    )
    assert listed.status_code == 200, listed.text
    first = listed.json()
    assert [(r["receipt_ref"], r["points"], r["value"], r["reversed_by"]) for r in first["items"]] == [
        ("POS-2", "12.00", "0.12", None)
    ]
    rest = await client.get(
        "/v1/points/redemptions",
        params={"store_id": "dealer-01", "cursor": first["next_cursor"]},
        headers=admin,
    )
    (older,) = rest.json()["items"]
    assert (
        older["receipt_ref"] == "POS-0"
        and older["reversed_by"] is not None
        and rest.json()["next_cursor"] is None
    )
    by_receipt = await client.get("/v1/points/redemptions", params={"receipt_ref": "POS-1"}, headers=admin)
    assert [r["store_id"] for r in by_receipt.json()["items"]] == ["dealer-02"]
    pos = await make_key(app, Scope.members_read, store_id="dealer-02")
    mine = (await client.get("/v1/points/redemptions", headers=pos)).json()["items"]
    assert [r["receipt_ref"] for r in mine] == ["POS-1"]
    future = {"since": "2999-01-01T00:00:00Z"}
    assert (await client.get("/v1/points/redemptions", params=future, headers=admin)).json()["items"] == []
    bad = await client.get(
        "/v1/points/redemptions",
        params={"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        headers=admin,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "since"
