"""Limits are checked on the way in: SQLite does not enforce `String(32)`, so an over-long code
or id that got past the API would be stored and break every later read of the catalogue."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import line, new_member, post, purchase

TIER = {"code": "standard", "name": "Standard", "threshold": "0", "rebate_rate": "0"}
SERVICE = {"code": "detailing", "name": "Detailing", "category": "after-sales", "average_margin": "0.4"}


def overlong_cases(member_id: str) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path, body, field) with one code or id one character past its column."""
    good = purchase(member_id, line("maintenance", "100.00", "0.3"))
    cases: list[tuple[str, str, dict[str, Any], str]] = []
    for n in (33, 40, 1000):
        cases += [
            ("POST", "/v1/service-types", {**SERVICE, "code": "s" * n}, "code"),
            ("PUT", "/v1/tiers", {"tiers": [{**TIER, "code": "t" * n}]}, "tiers[0].code"),
            (
                "PUT",
                "/v1/tiers",
                {"tiers": [{**TIER, "allowed_services": ["a" * n]}]},
                "tiers[0].allowed_services[0]",
            ),
            ("POST", "/v1/transactions", {**good, "lines": [line("m" * n, "1.00")]}, "lines[0].service_type"),
        ]
    cases += [
        ("POST", "/v1/transactions", {**good, "store_id": "s" * 65}, "store_id"),
        ("POST", "/v1/transactions", {**good, "external_id": "e" * 101}, "external_id"),
        ("POST", "/v1/transactions", {**good, "customer_id": "c" * 41}, "customer_id"),
        ("POST", "/v1/customers", {"name": "A", "store_id": "s" * 65}, "store_id"),
        ("POST", "/v1/customers", {"name": "A", "external_ref": "e" * 101}, "external_ref"),
        ("POST", "/v1/api-keys", {"name": "k", "scopes": ["admin"], "store_id": "s" * 65}, "store_id"),
    ]
    return cases


async def test_overlong_codes_and_ids_are_refused_and_reads_keep_working(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin)
    for method, path, body, field in overlong_cases(member["id"]):
        r = await client.request(method, path, json=body, headers=admin)
        assert r.status_code == 422, (path, field, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (path, r.json())

    reads = [
        await client.get("/v1/service-types", headers=admin),
        await client.get("/v1/tiers", headers=admin),
        await client.get("/v1/customers", headers=admin),
        await client.get(f"/v1/customers/{member['id']}/tier", headers=admin),
        await client.post(
            "/v1/transactions/quote",
            json=purchase(member["id"], line("maintenance", "100.00")),
            headers=admin,
        ),
    ]
    assert [r.status_code for r in reads] == [200] * len(reads), [
        r.text for r in reads if r.status_code != 200
    ]
    assert all(len(s["code"]) <= 32 for s in reads[0].json()["items"])
    posted = await post(client, admin, purchase(member["id"], line("maintenance", "1000.00", "0.35")))
    assert posted.status_code == 201, posted.text
    redeemed = await client.post(
        f"/v1/customers/{member['id']}/points/redemptions", json={"points": "1.00"}, headers=admin
    )
    assert redeemed.status_code == 201, redeemed.text
    table = (await client.get("/v1/tiers", headers=admin)).json()
    assert (await client.put("/v1/tiers", json=table, headers={**admin, "If-Match": "*"})).status_code == 200


@pytest.mark.parametrize(("param", "value"), [("tier", "t" * 33), ("store_id", "s" * 65), ("q", "q" * 101)])
async def test_overlong_filters_are_refused(
    client: httpx.AsyncClient, admin: dict[str, str], param: str, value: str
) -> None:
    r = await client.get("/v1/customers", params={param: value}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == param
