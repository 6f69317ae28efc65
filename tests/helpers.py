"""Small request builders shared by the API tests."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import httpx

from app.domain.crm.vin import check_digit

_receipts = itertools.count(1)


def line(service_type: str, amount: str, margin: str | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"service_type": service_type, "amount": amount, **extra}
    if margin is not None:
        data["margin"] = margin
    return data


async def new_member(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/customers", json={"name": "Test Member", **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def consent(
    client: httpx.AsyncClient, headers: dict[str, str], customer_id: str, **channels: bool
) -> dict[str, Any]:
    """Record the member's marketing consent (SMS unless channels are given)."""
    body = {**(channels or {"sms": True}), "source": "test"}
    response = await client.patch(f"/v1/customers/{customer_id}/consents", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def purchase(
    customer_id: str, *lines: dict[str, Any], store_id: str = "dealer-01", **extra: Any
) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "store_id": store_id,
        "external_id": extra.pop("external_id", f"R-{next(_receipts):06d}"),
        "lines": list(lines),
        **extra,
    }


async def put_current(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    """PUT over the version just read (tier table, settings): `If-Match` with its ETag."""
    current = await client.get(path, headers=headers)
    assert current.status_code == 200, current.text
    return await client.put(path, json=body, headers={**headers, "If-Match": current.headers["ETag"]})


async def post(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any], **kw: Any
) -> httpx.Response:
    return await client.post("/v1/transactions", json=body, headers=headers, **kw)


async def ledger_matches_totals(client: httpx.AsyncClient, headers: dict[str, str], customer_id: str) -> None:
    """The member's running totals equal the sums of its ledger entries."""
    points = (await client.get(f"/v1/customers/{customer_id}/points", headers=headers)).json()
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get(f"/v1/customers/{customer_id}/points/ledger", params=params, headers=headers)
        ).json()
        entries += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    total = sum((Decimal(e["points"]) for e in entries), Decimal(0))
    counted = sum((Decimal(e["points"]) for e in entries if e["counts_toward_tier"]), Decimal(0))
    assert Decimal(points["balance"]) == total
    assert Decimal(points["lifetime_points"]) == counted
    assert Decimal(points["lifetime_profit_points"]) == sum(
        (Decimal(e["profit_points"]) for e in entries), Decimal(0)
    )
    assert Decimal(points["lifetime_consumption_points"]) == sum(
        (Decimal(e["consumption_points"]) for e in entries), Decimal(0)
    )
    assert [e["entry_no"] for e in entries] == list(range(len(entries), 0, -1))


def vin(serial: int) -> str:
    """A valid VIN (check digit at position 9) for a serial number below one million."""
    body = f"1M8GDM9A0KP{serial:06d}"
    return body[:8] + check_digit(body) + body[9:]
