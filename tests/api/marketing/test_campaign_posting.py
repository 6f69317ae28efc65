"""A running campaign's multiplier and extra rebate on posting, the quote and refunds (exact cents).

Standard tier (d = 0), X = 0.8, point value 0.01. The basket: maintenance 1,000.00 at 0.35
(p = 350, u = 1,000) and parts 2,000.00 at 0.25 (p = 500, u = 2,000): Zm = 0.8 × 850 +
0.2 × 3,000 = 1,280.00.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from app.domain.marketing.campaign_rules import in_holdout
from app.models.base import utcnow
from tests.api.marketing.test_campaigns import create, execute, ledger, schedule
from tests.helpers import line, new_member, post, purchase

BASKET = [line("maintenance", "1000.00", "0.35"), line("parts", "2000.00", "0.25")]


def window(days_before: int = 10, days_after: int = 10) -> dict[str, str]:
    now = utcnow()
    return {
        "starts_at": (now - timedelta(days=days_before)).isoformat(),
        "ends_at": (now + timedelta(days=days_after)).isoformat(),
    }


async def running(client: httpx.AsyncClient, admin: dict[str, str], rep: str, **terms: Any) -> str:
    body = {"bonus_points": None, "target": {"sales_rep": rep}, **window(), **terms}
    cid = (await create(client, admin, **body))["id"]
    await schedule(client, admin, cid)
    done = await execute(client, admin, cid)
    assert done.status_code == 200 and done.json()["status"] == "running", done.text
    return cid


async def test_multiplier_bonus_is_its_own_entry(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    m = await new_member(client, admin, sales_rep="mul")
    outsider = await new_member(client, admin, sales_rep="other")
    cid = await running(client, admin, "mul", multiplier="2", service_types=["maintenance"])
    quote = await client.post("/v1/transactions/quote", json=purchase(m["id"], *BASKET), headers=admin)
    assert quote.status_code == 200, quote.text
    q = quote.json()
    # Zm' doubles the maintenance line: 0.8 × (700 + 500) + 0.2 × (2,000 + 2,000) = 1,760.00.
    assert q["points"] == "1280.00" and q["campaign_bonus_points"] == "480.00"
    assert q["campaigns"] == [{"campaign_id": cid, "bonus_points": "480.00", "extra_rebate": "0.00"}]
    assert q["balance"] == "1760.00" and q["lifetime_points"] == "1280.00"
    posted = await post(client, admin, purchase(m["id"], *BASKET))
    assert posted.status_code == 201, posted.text
    t = posted.json()
    assert t["points"] == "1280.00" and t["balance"] == "1760.00" and t["lifetime_points"] == "1280.00"
    assert t["campaigns"] == q["campaigns"]
    bonus, earn = await ledger(client, admin, m["id"])
    assert (earn["kind"], earn["points"], earn["campaign_id"]) == ("earn", "1280.00", None)
    assert (bonus["kind"], bonus["points"], bonus["campaign_id"]) == ("bonus", "480.00", cid)
    assert bonus["transaction_id"] == t["id"] and bonus["counts_toward_tier"] is False
    read = (await client.get(f"/v1/transactions/{t['id']}", headers=admin)).json()
    assert read["campaigns"] == q["campaigns"] and read["campaign_bonus_points"] == "480.00"
    campaign = (await client.get(f"/v1/campaigns/{cid}", headers=admin)).json()
    assert campaign["spent"] == "4.80"  # the budget counts the bonus at the point value
    plain = (await post(client, admin, purchase(outsider["id"], *BASKET))).json()
    assert plain["campaigns"] == [] and plain["balance"] == "1280.00"


async def test_extra_rebate_and_multiplier_together(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    m = await new_member(client, admin, sales_rep="both")
    cid = await running(
        client, admin, "both", multiplier="2", extra_rebate_rate="0.05", service_types=["maintenance"],
        bonus_counts_toward_tier=True,
    )  # fmt: skip
    posted = (await post(client, admin, purchase(m["id"], *BASKET))).json()
    # maintenance: b = 0.8 × 350 + 0.2 × 1,000 = 480, rebate round2(0.05 × 480) = 24.00, paid 976,
    # p = 326, u = 976; parts unchanged. Zm = 0.8 × 826 + 0.2 × 2,976 = 1,256.00.
    # Zm' = 0.8 × (652 + 500) + 0.2 × (1,952 + 2,000) = 1,712.00: bonus 456.00.
    assert posted["rebate"] == "24.00" and posted["payable"] == "2976.00" and posted["rebate_rate"] == "0"
    assert [ln["rebate"] for ln in posted["lines"]] == ["24.00", "0.00"]
    assert posted["points"] == "1256.00" and posted["campaign_bonus_points"] == "456.00"
    assert posted["campaigns"] == [{"campaign_id": cid, "bonus_points": "456.00", "extra_rebate": "24.00"}]
    assert posted["lifetime_points"] == "1712.00"  # this campaign's bonus counts toward the tier


async def test_extra_rebate_never_below_cost(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    m = await new_member(client, admin, sales_rep="cap")
    await running(client, admin, "cap", extra_rebate_rate="0.5")
    # P = 50, b = 0.8 × 50 + 0.2 × 1,000 = 240, 0.5 × 240 = 120 capped at the profit 50.
    quote = (
        await client.post(
            "/v1/transactions/quote", json=purchase(m["id"], line("parts", "1000.00", "0.05")), headers=admin
        )
    ).json()
    assert quote["rebate"] == "50.00" and quote["payable"] == "950.00" and quote["profit_points"] == "0.00"
    assert quote["campaigns"][0]["extra_rebate"] == "50.00" and quote["campaign_bonus_points"] == "0.00"


async def test_refunds_take_the_bonus_back_in_proportion(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    m = await new_member(client, admin, sales_rep="ref")
    cid = await running(client, admin, "ref", multiplier="2", service_types=["maintenance"])
    t = (await post(client, admin, purchase(m["id"], *BASKET))).json()
    # 777.77 of parts: p = round2(500 × 777.77 / 2,000) = 194.44, u = 777.77,
    # Zm = round2(0.8 × 194.44 + 0.2 × 777.77) = 311.11; bonus round2(480 × 311.11 / 1,280) = 116.67.
    first = await client.post(
        f"/v1/transactions/{t['id']}/refunds",
        json={"lines": [{"line_no": 2, "amount": "777.77"}]},
        headers=admin,
    )
    assert first.status_code == 201 and first.json()["points"] == "311.11", first.text
    entries = await ledger(client, admin, m["id"])
    back = entries[0]
    assert (back["kind"], back["points"], back["campaign_id"]) == ("reverse", "-116.67", cid)
    rest = await client.post(f"/v1/transactions/{t['id']}/refunds", json={}, headers=admin)
    assert rest.status_code == 201, rest.text
    last = (await ledger(client, admin, m["id"]))[0]
    assert (last["kind"], last["points"], last["campaign_id"]) == ("reverse", "-363.33", cid)  # 480 − 116.67
    points = (await client.get(f"/v1/customers/{m['id']}/points", headers=admin)).json()
    assert points["balance"] == "0.00" and points["lifetime_points"] == "0.00"
    read = (await client.get(f"/v1/transactions/{t['id']}", headers=admin)).json()
    assert read["campaign_bonus_points"] == "0.00"


async def test_holdout_outside_window_and_closed_campaigns_get_nothing(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    ids = [(await new_member(client, admin, sales_rep="hold"))["id"] for _ in range(8)]
    body = {"bonus_points": None, "target": {"sales_rep": "hold"}, "multiplier": "3", **window()}
    cid = (await create(client, admin, **body))["id"]
    await schedule(client, admin, cid)
    assert (await execute(client, admin, cid, "0.5")).status_code == 200
    held = [m for m in ids if in_holdout(m, cid, Decimal("0.5"))]
    targeted = [m for m in ids if m not in held]
    for m in held:
        assert (await post(client, admin, purchase(m, *BASKET))).json()["campaigns"] == []
    if targeted:
        assert (await post(client, admin, purchase(targeted[0], *BASKET))).json()[
            "campaign_bonus_points"
        ] == "2560.00"  # 3 × 1,280 − 1,280
        late = purchase(targeted[0], *BASKET, occurred_at=(utcnow() - timedelta(days=20)).isoformat())
        assert (await post(client, admin, late)).json()["campaigns"] == []  # before the window
    finished = await client.post(f"/v1/campaigns/{cid}/status", json={"status": "finished"}, headers=admin)
    assert finished.status_code == 200
    for m in targeted:
        assert (await post(client, admin, purchase(m, *BASKET))).json()["campaigns"] == []


async def test_budget_stops_the_multiplier_bonus(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    m = await new_member(client, admin, sales_rep="cap2")
    cid = await running(client, admin, "cap2", multiplier="2", service_types=["maintenance"], budget="5.00")
    first = (await post(client, admin, purchase(m["id"], *BASKET))).json()
    assert first["campaign_bonus_points"] == "480.00"  # 4.80 of 5.00
    second = (await post(client, admin, purchase(m["id"], *BASKET))).json()
    assert second["campaigns"] == [{"campaign_id": cid, "bonus_points": "0.00", "extra_rebate": "0.00"}]
    assert (await client.get(f"/v1/campaigns/{cid}", headers=admin)).json()["spent"] == "4.80"
