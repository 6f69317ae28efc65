"""Results: targeted against holdout members over the campaign window, purchases before and after it.

Two targeted members (A, B) and two held out (C, D), a bonus of 100 points each (0.01 a point).
In the window: A buys parts 1,000.00 at 0.25 (profit 250, points 400), B maintenance 2,000.00
at 0.35 (profit 700, points 0.8 × 700 + 0.2 × 2,000 = 960), C parts 1,000.00. Outside it: A
before, C after (not counted). Targeted: 1,500.00 spend and 475.00 profit per member; holdout
500.00 and 125.00; incremental profit (475 − 125) × 2 = 700.00, less the bonus 2.00: 698.00.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx

from app.domain.marketing.campaign_rules import in_holdout
from app.models.base import utcnow
from tests.api.marketing.test_campaigns import create, execute, schedule
from tests.helpers import line, new_member, post, purchase


async def test_results_compare_targeted_and_holdout(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    now = utcnow()
    start, end = now - timedelta(days=10), now - timedelta(days=3)
    made = await create(
        client, admin, target={"sales_rep": "res"}, starts_at=start.isoformat(), ends_at=end.isoformat()
    )
    cid = made["id"]
    groups: dict[bool, list[str]] = {True: [], False: []}
    while len(groups[True]) < 2 or len(groups[False]) < 2:  # two members each side of the draw
        m = (await new_member(client, admin))["id"]
        side = in_holdout(m, cid, Decimal("0.5"))
        if len(groups[side]) < 2:
            assert (
                await client.patch(f"/v1/customers/{m}", json={"sales_rep": "res"}, headers=admin)
            ).status_code == 200
            groups[side].append(m)
    (a, b), (c, _d) = groups[False], groups[True]
    no_results = await client.get(f"/v1/campaigns/{cid}/results", headers=admin)
    assert no_results.status_code == 409 and no_results.json()["code"] == "campaign_state"
    await schedule(client, admin, cid)
    done = (await execute(client, admin, cid, "0.5")).json()
    assert done["progress"]["holdout"] == 2 and done["progress"]["awarded"] == 2

    async def buy(member: str, at: timedelta, *lines: dict[str, str]) -> None:
        body = purchase(member, *lines, occurred_at=(now - at).isoformat())
        assert (await post(client, admin, body)).status_code == 201

    await buy(a, timedelta(days=20), line("parts", "500.00", "0.25"))  # before the window
    await buy(a, timedelta(days=5), line("parts", "1000.00", "0.25"))
    await buy(b, timedelta(days=5), line("maintenance", "2000.00", "0.35"))
    await buy(c, timedelta(days=5), line("parts", "1000.00", "0.25"))
    await buy(c, timedelta(days=1), line("parts", "3000.00", "0.25"))  # after the window
    response = await client.get(f"/v1/campaigns/{cid}/results", headers=admin)
    assert response.status_code == 200, response.text
    r = response.json()
    assert r["targeted"] == {
        "members": 2, "buyers": 2, "purchase_rate": "1", "purchases": 2, "spend": "3000.00",
        "profit": "950.00", "points": "1360.00", "spend_per_member": "1500.00",
        "profit_per_member": "475.00", "points_per_member": "680.00",
    }  # fmt: skip
    assert r["holdout"] == {
        "members": 2, "buyers": 1, "purchase_rate": "0.5", "purchases": 1, "spend": "1000.00",
        "profit": "250.00", "points": "400.00", "spend_per_member": "500.00",
        "profit_per_member": "125.00", "points_per_member": "200.00",
    }  # fmt: skip
    assert r["awarded"] == 2 and r["uptake"] == "1"
    assert r["cost"] == {
        "bonus_points": "200.00",
        "bonus_value": "2.00",
        "extra_rebate": "0.00",
        "total": "2.00",
    }
    assert r["incremental_profit"] == "700.00" and r["net_gain"] == "698.00" and r["paid_for_itself"] is True
    # A refund in the window lowers the targeted figures: B returns half its maintenance.
    [bought] = (await client.get(f"/v1/transactions?customer_id={b}", headers=admin)).json()["items"]
    refund = {"lines": [{"line_no": 1, "amount": "1000.00"}]}
    assert (
        await client.post(f"/v1/transactions/{bought['id']}/refunds", json=refund, headers=admin)
    ).status_code == 201
    again = (await client.get(f"/v1/campaigns/{cid}/results", headers=admin)).json()
    assert again["targeted"]["spend"] == "2000.00" and again["targeted"]["profit"] == "600.00"
    assert again["incremental_profit"] == "350.00" and again["net_gain"] == "348.00"
