"""Bad input of every kind: a 4xx problem+json naming the field, and nothing changes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import line, new_member, purchase

GOOD_LINE = line("maintenance", "1000.00", "0.35")

# (what is wrong, how to break the body, the field the problem must name)
BAD_BODIES: list[tuple[str, Any, str]] = [
    ("negative amount", {"lines": [{**GOOD_LINE, "amount": "-5.00"}]}, "lines[0].amount"),
    ("zero amount", {"lines": [{**GOOD_LINE, "amount": "0.00"}]}, "lines[0].amount"),
    ("NaN amount", {"lines": [{**GOOD_LINE, "amount": "NaN"}]}, "lines[0].amount"),
    ("Infinity amount", {"lines": [{**GOOD_LINE, "amount": "Infinity"}]}, "lines[0].amount"),
    ("three decimals", {"lines": [{**GOOD_LINE, "amount": "10.005"}]}, "lines[0].amount"),
    ("float amount", {"lines": [{**GOOD_LINE, "amount": 10.5}]}, "lines[0].amount"),
    ("absurd amount", {"lines": [{**GOOD_LINE, "amount": "1" + "0" * 30}]}, "lines[0].amount"),
    ("margin above 1", {"lines": [{**GOOD_LINE, "margin": "1.5"}]}, "lines[0].margin"),
    ("margin below -1", {"lines": [{**GOOD_LINE, "margin": "-1.01"}]}, "lines[0].margin"),
    ("margin and cost", {"lines": [{**GOOD_LINE, "cost": "10.00"}]}, "lines[0]"),
    ("unknown service type", {"lines": [{**GOOD_LINE, "service_type": "spa"}]}, "lines[0].service_type"),
    ("empty lines", {"lines": []}, "lines"),
    ("lines not a list", {"lines": "many"}, "lines"),
    ("unknown field", {"discount": "50.00"}, "discount"),
    ("unknown member", {"customer_id": "cus_missing"}, "customer_id"),
    ("naive timestamp", {"occurred_at": "2026-11-22T10:00:00"}, "occurred_at"),
    ("epoch timestamp", {"occurred_at": 1700000000}, "occurred_at"),
    ("NUL in text", {"external_id": "R-\u0000"}, "external_id"),
    ("wrong type", {"store_id": 12}, "store_id"),
]


@pytest.mark.parametrize(("what", "change", "field"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
async def test_bad_purchase_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], what: str, change: dict[str, Any], field: str
) -> None:
    member = await new_member(client, admin)
    body = purchase(member["id"], GOOD_LINE) | change
    for path in ("/v1/transactions", "/v1/transactions/quote"):
        r = await client.post(path, json=body, headers=admin)
        assert r.status_code == 422, (what, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert {"type", "title", "status", "detail", "code", "request_id"} <= problem.keys()
        assert field in [e["field"] for e in problem["errors"]], (what, problem)
    points = (await client.get(f"/v1/customers/{member['id']}/points", headers=admin)).json()
    assert points["balance"] == "0.00"
    listed = (await client.get("/v1/transactions", headers=admin)).json()["items"]
    assert listed == []


async def test_malformed_json(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for raw in (b'{"name": ', b"\xff\xfe{}", b"[1, 2"):
        r = await client.post(
            "/v1/customers", content=raw, headers={**admin, "Content-Type": "application/json"}
        )
        assert r.status_code == 422 and r.json()["code"] == "malformed_json", raw


async def test_oversized_body(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    r = await client.post("/v1/customers", json={"name": "x", "notes": "n" * 2_000_000}, headers=admin)
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "payload_too_large"


async def test_wrong_media_type(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    r = await client.post("/v1/customers", content=b"name=x", headers={**admin, "Content-Type": "text/plain"})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type"


async def test_not_found_and_method_not_allowed(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    missing = await client.get("/v1/nothing-here", headers=admin)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    wrong = await client.delete("/v1/transactions", headers=admin)
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, POST"
    quote = await client.get("/v1/transactions/quote/x", headers=admin)
    assert quote.status_code == 404
    member_path = await client.put("/v1/customers/cus_x", json={}, headers=admin)
    assert member_path.headers["allow"] == "DELETE, GET, PATCH"


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/tiers", headers={"X-Request-ID": "trace-42"})
    assert r.headers["x-request-id"] == "trace-42" and r.json()["request_id"] == "trace-42"


async def test_server_error_leaks_nothing() -> None:
    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="x" * 32))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret connection string postgres://user:pw@db")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/boom")
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    assert "secret" not in r.text and r.json()["code"] == "internal_error" and r.json()["request_id"]


async def test_unknown_or_repeated_query_parameters(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    typo = await client.get("/v1/transactions", params={"customer": "x"}, headers=admin)
    assert typo.status_code == 422 and typo.json()["errors"][0]["field"] == "customer"
    twice = await client.get("/v1/transactions?customer_id=a&customer_id=b", headers=admin)
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "customer_id"
