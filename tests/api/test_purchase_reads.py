"""A purchase read names its as-posted figures, lists its refunds, and answers `occurred_at` as posted."""

from __future__ import annotations

import httpx

from tests.helpers import line, new_member, post, purchase


async def test_post_and_get_agree_on_occurred_at(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    for given, expected in [
        ("2026-11-22T10:00:00+08:00", "2026-11-22T02:00:00Z"),
        ("2026-11-22T10:00:00.123456-05:30", "2026-11-22T15:30:00.123456Z"),
        ("2026-11-22T02:00:00Z", "2026-11-22T02:00:00Z"),
    ]:
        posted = await post(client, admin, purchase(member["id"], line("parts", "10.00"), occurred_at=given))
        read = await client.get(f"/v1/transactions/{posted.json()['id']}", headers=admin)
        assert posted.json()["occurred_at"] == read.json()["occurred_at"] == expected
        assert posted.json()["created_at"] == read.json()["created_at"]
    defaulted = await post(client, admin, purchase(member["id"], line("parts", "10.00")))
    read = await client.get(f"/v1/transactions/{defaulted.json()['id']}", headers=admin)
    assert defaulted.json()["occurred_at"] == read.json()["occurred_at"]


async def test_a_read_names_its_as_posted_figures_and_lists_refunds(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin)
    body = purchase(member["id"], line("maintenance", "1000.00", "0.35"), line("parts", "2000.00", "0.25"))
    posted = (await post(client, admin, body)).json()
    assert (posted["balance_after"], posted["lifetime_after"]) == (
        posted["balance"],
        posted["lifetime_points"],
    )
    assert posted["refunds"] == []
    later = await post(client, admin, purchase(member["id"], line("parts", "100.00")))
    refunds = f"/v1/transactions/{posted['id']}/refunds"
    paid = posted["lines"][0]["paid"]
    first = (
        await client.post(refunds, json={"lines": [{"line_no": 1, "amount": "200.00"}]}, headers=admin)
    ).json()
    rest = (await client.post(refunds, json={}, headers=admin)).json()
    assert first["amount"] == "200.00" and first["balance_after"] == first["balance"]
    read = (await client.get(f"/v1/transactions/{posted['id']}", headers=admin)).json()
    # the member's balance moved on, but the purchase still says what it was when posted
    assert (
        read["balance_after"] == posted["balance_after"]
        and read["lifetime_after"] == posted["lifetime_after"]
    )
    assert later.json()["balance_after"] != posted["balance_after"]
    assert [r["id"] for r in read["refunds"]] == [first["id"], rest["id"]]
    assert read["refunds"][0] == first
    assert read["refunded_amount"] == "3000.00" and paid == "1000.00"
    listed = (await client.get(refunds, headers=admin)).json()
    assert listed == {"items": [first, rest], "next_cursor": None}
    page = (await client.get(refunds, params={"limit": 1}, headers=admin)).json()
    assert [r["id"] for r in page["items"]] == [first["id"]]
    tail = (await client.get(refunds, params={"cursor": page["next_cursor"]}, headers=admin)).json()
    assert [r["id"] for r in tail["items"]] == [rest["id"]] and tail["next_cursor"] is None
    in_list = (
        await client.get("/v1/transactions", params={"customer_id": member["id"]}, headers=admin)
    ).json()
    assert [len(t["refunds"]) for t in in_list["items"]] == [0, 2]
    assert (await client.get("/v1/transactions/txn_nope/refunds", headers=admin)).status_code == 404
