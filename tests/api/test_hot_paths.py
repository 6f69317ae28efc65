"""The hot paths (`app/api/hot.py`): on PostgreSQL the raw layer answers tier reads and
purchases (counted by `crm_hot_path_requests`), on SQLite the routes do, and either way the
answer is the route's: same body, ETag, refusals and rate-limit count. Every other API test
that reads a tier or posts a purchase on PostgreSQL runs through the raw layer as well."""

from __future__ import annotations

from typing import Any

import httpx

from app.api import deps
from app.api.observability import HOT_PATH
from app.api.ratelimit import MemoryCounter, RateLimiter
from app.services.integration.api_keys import forget_keys
from tests.api.marketing.test_campaign_posting import BASKET, running
from tests.helpers import line, new_member, post, purchase

TIER = "/v1/customers/{customer_id}/tier"
POST = "/v1/transactions"


def _count(route: str, outcome: str) -> float:
    return float(HOT_PATH.labels(route, outcome)._value.get())


def _counts() -> dict[tuple[str, str], float]:
    return {(r, o): _count(r, o) for r in (TIER, POST) for o in ("served", "route")}


async def test_the_raw_layer_serves_tier_reads_and_purchases_on_postgres(
    client: httpx.AsyncClient, admin: dict[str, str], is_postgres: bool
) -> None:
    member = await new_member(client, admin)
    tier_path = f"/v1/customers/{member['id']}/tier"
    warm = await post(client, admin, purchase(member["id"], line("maintenance", "1000.00", "0.35")))
    assert warm.status_code == 201  # the first of a worker may reload rules through the route
    assert (await client.get(tier_path, headers=admin)).status_code == 200
    before = _counts()
    posted = await post(client, admin, purchase(member["id"], line("parts", "2000.00")))
    tier = await client.get(tier_path, headers=admin)
    not_modified = await client.get(tier_path, headers={**admin, "If-None-Match": tier.headers["ETag"]})
    missing = await client.get("/v1/customers/cus_nobody/tier", headers=admin)
    after = _counts()
    assert posted.status_code == 201 and posted.json()["balance_after"] == tier.json()["balance"]
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["ETag"] == tier.headers["ETag"]
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    served = {k: after[k] - before[k] for k in after}
    if is_postgres:
        assert served[(POST, "served")] == 1 and served[(TIER, "served")] == 3
    assert (
        served[(POST, "route")] == served[(TIER, "route")] == 0 if is_postgres else sum(served.values()) == 0
    )


async def test_the_raw_layer_answers_as_the_route(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    tier_path = f"/v1/customers/{member['id']}/tier"
    await post(client, admin, purchase(member["id"], line("maintenance", "1000.00", "0.35")))
    raw = await client.get(tier_path, headers=admin)
    # two If-None-Match headers: the raw layer hands the request to the route
    routed = await client.get(
        tier_path, headers=httpx.Headers([*admin.items(), ("If-None-Match", '"a"'), ("If-None-Match", '"b"')])
    )
    assert (routed.status_code, routed.json(), routed.headers["ETag"]) == (
        200,
        raw.json(),
        raw.headers["ETag"],
    )
    unknown = await client.get(tier_path, params={"x": "1"}, headers=admin)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "x"
    body = purchase(member["id"], line("parts", "100.00"))
    assert (await post(client, admin, body)).status_code == 201
    again = await post(client, admin, body)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_receipt"
    assert again.json()["existing_id"].startswith("txn_")
    bad = await post(client, admin, {**body, "lines": []})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


async def test_a_purchase_handed_to_the_route_counts_once_against_the_rate_limit(
    client: httpx.AsyncClient, app: Any, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin)
    await post(client, admin, purchase(member["id"], line("maintenance", "1000.00", "0.35")))
    kept = app.state.limiter
    app.state.limiter = RateLimiter({"*": 100}, 3600, MemoryCounter())
    try:
        plain = await post(client, admin, purchase(member["id"], line("parts", "10.00")))
        paid = await post(client, admin, purchase(member["id"], line("parts", "10.00"), redeem_points="1.00"))
        replayed = [
            await post(
                client,
                {**admin, "Idempotency-Key": "k-1"},
                purchase(member["id"], line("parts", "10.00"), external_id="R-K1"),
            )
            for _ in range(2)
        ]
    finally:
        app.state.limiter = kept
    assert [r.status_code for r in (plain, paid, *replayed)] == [201, 201, 201, 201]
    assert replayed[1].headers["Idempotent-Replayed"] == "true"
    left = [int(r.headers["RateLimit"].split(";r=")[1].split(";")[0]) for r in (plain, paid, *replayed)]
    assert left == [99, 98, 97, 96]


async def test_a_running_campaign_hands_its_purchases_to_the_route(
    client: httpx.AsyncClient, admin: dict[str, str], is_postgres: bool
) -> None:
    member = await new_member(client, admin, sales_rep="hot-campaign")
    first = await post(client, admin, purchase(member["id"], line("parts", "100.00")))
    assert first.status_code == 201
    shown = (await client.get(f"/v1/customers/{member['id']}", headers=admin)).json()
    assert shown["lifecycle_stage"] == "formation"  # the analysis is written by either path
    await running(client, admin, "hot-campaign", multiplier="2", service_types=["maintenance"])
    await post(client, admin, purchase(member["id"], line("parts", "100.00")))  # reloads the rules
    before = _counts()
    posted = await post(client, admin, purchase(member["id"], *BASKET))
    after = _counts()
    assert posted.status_code == 201 and posted.json()["campaign_bonus_points"] == "480.00"
    if is_postgres:
        assert after[(POST, "route")] - before[(POST, "route")] == 1
        assert after[(POST, "served")] == before[(POST, "served")]


async def test_a_trusted_keys_tier_read_is_answered_by_the_outermost_layer_as_by_the_stack(
    client: httpx.AsyncClient, app: Any, admin: dict[str, str], is_postgres: bool, monkeypatch: Any
) -> None:
    """`TrustedTierReads` answers a tier read by a key this worker trusts without the layers below
    it (on PostgreSQL): same status, body, ETag, rate-limit and request-id headers, refusals,
    304, metrics and rate-limit count as the whole stack gives a key it must verify first."""
    member = await new_member(client, admin)
    tier_path = f"/v1/customers/{member['id']}/tier"
    await post(client, admin, purchase(member["id"], line("maintenance", "1000.00", "0.35")))
    verified: list[str] = []
    real = deps.get_principal

    async def counting(*args: Any) -> Any:
        verified.append("stack")
        return await real(*args)

    monkeypatch.setattr("app.api.authentication.get_principal", counting)
    kept = app.state.limiter
    app.state.limiter = RateLimiter({"*": 100}, 3600, MemoryCounter())
    asked = {**admin, "X-Request-ID": "mobile-42"}
    try:
        forget_keys()  # the next read goes down the whole stack, which trusts the key again
        stacked = await client.get(tier_path, headers=asked)
        fast = await client.get(tier_path, headers=asked)
        not_modified = await client.get(tier_path, headers={**admin, "If-None-Match": fast.headers["ETag"]})
        forget_keys()
        missing_stacked = await client.get("/v1/customers/cus_nobody/tier", headers=admin)
        missing_fast = await client.get("/v1/customers/cus_nobody/tier", headers=admin)
    finally:
        app.state.limiter = kept
    assert verified == ["stack", "stack"] if is_postgres else len(verified) == 5  # SQLite: no raw pool
    assert (fast.status_code, fast.json(), fast.headers["ETag"]) == (
        200,
        stacked.json(),
        stacked.headers["ETag"],
    )

    def shown(r: httpx.Response) -> dict[str, str]:
        return {k: v for k, v in r.headers.items() if k not in ("ratelimit", "x-request-id")}

    assert shown(fast) == shown(stacked)
    assert fast.headers["x-request-id"] == stacked.headers["x-request-id"] == "mobile-42"
    left = [int(r.headers["RateLimit"].split(";r=")[1].split(";")[0]) for r in (stacked, fast, not_modified)]
    assert left == [99, 98, 97]
    assert not_modified.status_code == 304 and not_modified.headers["ETag"] == fast.headers["ETag"]
    assert not_modified.headers["x-request-id"] and "ratelimit" in not_modified.headers
    assert missing_fast.status_code == missing_stacked.status_code == 404
    assert (
        missing_fast.headers["content-type"]
        == missing_stacked.headers["content-type"]
        == "application/problem+json"
    )
    assert {k: v for k, v in missing_fast.json().items() if k != "request_id"} == {
        k: v for k, v in missing_stacked.json().items() if k != "request_id"
    }
    assert missing_fast.json()["request_id"] == missing_fast.headers["x-request-id"]
