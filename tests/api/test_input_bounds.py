"""Inputs that used to reach the database unchecked: tampered cursors, timestamps at the
calendar's ends or in the future, non-ASCII digits, repeated JSON keys. Each is a 422 naming
the field, and nothing changes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.helpers import line, new_member, post, purchase


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


TAMPERED = [
    b64("9999999999"),
    b64("99999999999999999999"),
    b64("-1"),
    b64("cus_x' OR 1=1 --"),
    b64("cus_01JD0000000000000000000000") + "x",  # a valid position with junk after it
    b64("\u00e9"),
    "!!!",
    "a",
    "x" * 200,
]


@pytest.mark.parametrize("cursor", TAMPERED)
async def test_tampered_cursor_is_a_422(
    client: httpx.AsyncClient, admin: dict[str, str], cursor: str
) -> None:
    member = await new_member(client, admin)
    for path in (
        "/v1/customers",
        "/v1/transactions",
        f"/v1/customers/{member['id']}/points/ledger",
        "/v1/points/settings/history",
    ):
        r = await client.get(path, params={"cursor": cursor}, headers=admin)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["errors"][0]["field"] == "cursor"


async def test_a_cursor_of_another_list_is_a_422(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    for path, other in (
        ("/v1/customers", b64("txn_01JD0000000000000000000000")),
        ("/v1/transactions", b64(member["id"])),
        (f"/v1/customers/{member['id']}/points/ledger", b64(member["id"])),
    ):
        r = await client.get(path, params={"cursor": other}, headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor", (path, r.text)


async def test_cursors_handed_out_still_work(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    for n in range(3):
        await new_member(client, admin, name=f"M{n}")
        await post(client, admin, purchase(member["id"], line("maintenance", "100.00", "0.3")))
    for path in ("/v1/customers", "/v1/transactions", f"/v1/customers/{member['id']}/points/ledger"):
        seen: list[str] = []
        cursor = None
        while True:
            page = (
                await client.get(
                    path, params={"limit": 1, **({"cursor": cursor} if cursor else {})}, headers=admin
                )
            ).json()
            seen += [item["id"] for item in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert len(seen) == len(set(seen)) >= 3, path


def _iso(moment: datetime) -> str:
    return moment.isoformat()


@pytest.mark.parametrize(
    ("occurred_at", "ok"),
    [
        ("0001-01-01T00:00:00+01:00", False),
        ("9999-12-31T23:59:59-01:00", False),
        ("1999-12-31T23:59:59Z", False),
        (_iso(datetime.now(UTC) + timedelta(days=2)), False),
        (_iso(datetime.now(UTC) + timedelta(hours=12)), True),
        ("2000-01-01T00:00:00Z", True),
    ],
    ids=["year 1", "year 9999", "before 2000", "two days ahead", "twelve hours ahead", "2000"],
)
async def test_occurred_at_is_bounded(
    client: httpx.AsyncClient, admin: dict[str, str], occurred_at: str, ok: bool
) -> None:
    member = await new_member(client, admin)
    body = purchase(member["id"], line("maintenance", "100.00", "0.3"), occurred_at=occurred_at)
    for path in ("/v1/transactions/quote", "/v1/transactions"):
        r = await client.post(path, json=body, headers=admin)
        if ok:
            assert r.status_code in (200, 201), r.text
        else:
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "occurred_at", r.text
    stored = (await client.get(f"/v1/customers/{member['id']}", headers=admin)).json()
    assert stored["purchase_count"] == (1 if ok else 0)


async def test_clock_skew_is_a_setting(
    client: httpx.AsyncClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.settings import get_settings

    member = await new_member(client, admin)
    soon = purchase(
        member["id"],
        line("maintenance", "100.00", "0.3"),
        occurred_at=_iso(datetime.now(UTC) + timedelta(hours=2)),
    )
    monkeypatch.setenv("CRM_MAX_CLOCK_SKEW_SECONDS", "3600")
    get_settings.cache_clear()
    try:
        r = await client.post("/v1/transactions/quote", json=soon, headers=admin)
        assert r.status_code == 422 and "3600 seconds" in r.json()["errors"][0]["message"]
    finally:
        monkeypatch.delenv("CRM_MAX_CLOCK_SKEW_SECONDS")
        get_settings.cache_clear()
    assert (await client.post("/v1/transactions/quote", json=soon, headers=admin)).status_code == 200


DIGITS = ["１０００", "١٠٠٠", "۱۰۰۰", "१०००", "1000.０", "99999999999", "1" * 30]


@pytest.mark.parametrize("amount", DIGITS)
async def test_money_is_ascii_digits_within_range(
    client: httpx.AsyncClient, admin: dict[str, str], amount: str
) -> None:
    member = await new_member(client, admin)
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        (
            "POST",
            "/v1/transactions/quote",
            purchase(member["id"], line("maintenance", amount, "0.3")),
            "lines[0].amount",
        ),
        ("POST", f"/v1/customers/{member['id']}/points/redemptions", {"points": amount}, "points"),
        (
            "POST",
            f"/v1/customers/{member['id']}/points/adjustments",
            {"points": amount, "reason": "test"},
            "points",
        ),
        (
            "PUT",
            "/v1/tiers",
            {"tiers": [{"code": "standard", "name": "S", "threshold": amount, "rebate_rate": "0"}]},
            "tiers[0].threshold",
        ),
    ]
    for method, path, body, field in cases:
        r = await client.request(method, path, json=body, headers=admin)
        assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], (path, r.text)
    rate = await client.post(
        "/v1/transactions/quote",
        json=purchase(member["id"], line("maintenance", "10.00", "0.٣")),
        headers=admin,
    )
    assert rate.status_code == 422 and rate.json()["errors"][0]["field"] == "lines[0].margin"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"name": "A", "name": "B"}', "name"),
        (b'{"name": "A", "tags": ["x"], "tags": []}', "tags"),
    ],
)
async def test_repeated_json_key_is_a_422(
    client: httpx.AsyncClient, admin: dict[str, str], raw: bytes, field: str
) -> None:
    r = await client.post("/v1/customers", content=raw, headers={**admin, "Content-Type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [{"field": field, "message": "is given more than once"}]
    assert r.json()["request_id"] == r.headers["x-request-id"]
    assert (await client.get("/v1/customers", headers=admin)).json()["items"] == []


async def test_repeated_key_in_a_nested_object_is_named(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin)
    raw = (
        '{"customer_id": "MEMBER", "store_id": "dealer-01", "external_id": "R-1", "lines": ['
        '{"service_type": "maintenance", "amount": "1.00"},'
        '{"service_type": "parts", "amount": "1.00", "amount": "9999.00"}]}'
    ).replace("MEMBER", member["id"])
    r = await client.post(
        "/v1/transactions", content=raw, headers={**admin, "Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines[1].amount"
    assert (await client.get("/v1/transactions", headers=admin)).json()["items"] == []
