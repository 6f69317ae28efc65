"""Hostile input refused as a class: stores that do not exist or are inactive, numeric strings
as dates, blank or invisible text, and one list's cursor sent to another. Each is a 422 naming
the field, and nothing changes."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.helpers import line, new_member, post, purchase, vin

Objects = dict[str, str]


@pytest.fixture
async def objects(client: httpx.AsyncClient, admin: dict[str, str]) -> Objects:
    """One of each object the paths below name: a member, a vehicle, a ticket, a task, a purchase."""
    member = await new_member(client, admin)
    cus = member["id"]
    vehicle = await client.post(f"/v1/customers/{cus}/vehicles", json={"vin": vin(1)}, headers=admin)
    ticket = await client.post(
        "/v1/tickets", json={"customer_id": cus, "kind": "complaint", "subject": "Late"}, headers=admin
    )
    task = await client.post(
        f"/v1/tickets/{ticket.json()['id']}/tasks", json={"title": "Call"}, headers=admin
    )
    bought = await post(client, admin, purchase(cus, line("maintenance", "1000.00", "0.3")))
    inactive = await client.post(
        "/v1/stores", json={"code": "closed-01", "name": "Closed", "active": False}, headers=admin
    )
    for r in (vehicle, ticket, task, bought, inactive):
        assert r.status_code == 201, r.text
    return {
        "cus": cus,
        "veh": vehicle.json()["id"],
        "tkt": ticket.json()["id"],
        "tsk": task.json()["id"],
        "txn": bought.json()["id"],
    }


async def _state(client: httpx.AsyncClient, admin: dict[str, str], o: Objects) -> list[Any]:
    paths = [
        f"/v1/customers/{o['cus']}",
        f"/v1/customers/{o['cus']}/points/ledger",
        f"/v1/customers/{o['cus']}/maintenance",
        f"/v1/customers/{o['cus']}/contacts",
        f"/v1/customers/{o['cus']}/activities",
        f"/v1/vehicles/{o['veh']}",
        f"/v1/vehicles/{o['veh']}/mileage",
        "/v1/tickets",
        f"/v1/tickets/{o['tkt']}/tasks",
        "/v1/stores",
    ]
    return [(await client.get(p, headers=admin)).json() for p in paths]


async def _refused(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    o: Objects,
    method: str,
    path: str,
    body: Any,
    field: str,
) -> None:
    before = await _state(client, admin, o)
    r = await client.request(method, path.format(**o), json=body, headers=admin)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert await _state(client, admin, o) == before


STORE_USES = [
    ("POST", "/v1/customers/{cus}/points/redemptions", {"points": "1.00"}),
    ("POST", "/v1/vouchers/VCHNONE0/use", {}),
    ("POST", "/v1/tickets", {"customer_id": "{cus}", "kind": "complaint", "subject": "S"}),
    ("POST", "/v1/customers/{cus}/maintenance", {"service_type": "maintenance"}),
]


@pytest.mark.parametrize("store", ["no-such-store", "closed-01", "<script>", "a\nb", " "])
@pytest.mark.parametrize(("method", "path", "body"), STORE_USES, ids=[p for _, p, _ in STORE_USES])
async def test_store_id_must_name_a_known_active_store(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    objects: Objects,
    method: str,
    path: str,
    body: dict[str, Any],
    store: str,
) -> None:
    filled = {k: v.format(**objects) if isinstance(v, str) else v for k, v in body.items()}
    await _refused(client, admin, objects, method, path, {**filled, "store_id": store}, "store_id")


async def test_known_active_store_is_accepted(
    client: httpx.AsyncClient, admin: dict[str, str], objects: Objects
) -> None:
    body = {"customer_id": objects["cus"], "kind": "complaint", "subject": "S", "store_id": "dealer-02"}
    r = await client.post("/v1/tickets", json=body, headers=admin)
    assert r.status_code == 201 and r.json()["store_id"] == "dealer-02"


DATES = [
    ("POST", "/v1/customers", {"name": "A"}, "birthday"),
    ("PATCH", "/v1/customers/{cus}", {}, "birthday"),
    ("POST", "/v1/customers/{cus}/vehicles", {"vin": vin(2)}, "purchase_date"),
    ("PATCH", "/v1/vehicles/{veh}", {}, "purchase_date"),
    ("POST", "/v1/vehicles/{veh}/mileage", {"reading_km": 10}, "read_on"),
    ("POST", "/v1/customers/{cus}/maintenance", {"service_type": "maintenance"}, "performed_on"),
    (
        "POST",
        "/v1/customers/{cus}/activities",
        {"type": "call", "channel": "phone", "subject": "S"},
        "follow_up_on",
    ),
    ("POST", "/v1/customers/{cus}/contacts", {"name": "A"}, "birthday"),
    ("POST", "/v1/tickets/{tkt}/tasks", {"title": "T"}, "due_on"),
    ("PATCH", "/v1/tickets/{tkt}/tasks/{tsk}", {}, "due_on"),
]


@pytest.mark.parametrize(
    "value", ["-0", "0", "1700000000", "-99999999999.99", "2026-1-5", "2026-01-05T00:00:00Z"]
)
@pytest.mark.parametrize(("method", "path", "body", "field"), DATES, ids=[f"{p} {f}" for _, p, _, f in DATES])
async def test_dates_are_iso_text_only(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    objects: Objects,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
    value: str,
) -> None:
    await _refused(client, admin, objects, method, path, {**body, field: value}, field)


TIMESTAMP = ("POST", "/v1/customers/{cus}/activities", {"type": "call", "channel": "phone", "subject": "S"})


@pytest.mark.parametrize(
    "value", ["-0", "-99999999999.99", "1700000000", "2026-11-22", "2026-11-22T10:00:00", "2026-11-22 10:00"]
)
async def test_timestamps_are_rfc3339_text_with_an_offset(
    client: httpx.AsyncClient, admin: dict[str, str], objects: Objects, value: str
) -> None:
    method, path, body = TIMESTAMP
    await _refused(client, admin, objects, method, path, {**body, "occurred_at": value}, "occurred_at")
    bought = purchase(objects["cus"], line("maintenance", "100.00", "0.3"), occurred_at=value)
    r = await post(client, admin, bought)
    assert r.status_code == 422 and "occurred_at" in [e["field"] for e in r.json()["errors"]]


async def test_rfc3339_text_is_still_accepted(
    client: httpx.AsyncClient, admin: dict[str, str], objects: Objects
) -> None:
    _, path, body = TIMESTAMP
    sent = {**body, "occurred_at": "2026-11-22T10:00:00.5+08:00", "follow_up_on": "2026-12-01"}
    r = await client.post(path.format(**objects), json=sent, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["follow_up_on"] == "2026-12-01"


TEXTS = [
    ("POST", "/v1/stores", {"code": "s-1", "name": "N"}, "name"),
    ("POST", "/v1/stores", {"code": "s-1", "name": "N"}, "region"),
    ("PATCH", "/v1/stores/dealer-01", {}, "name"),
    ("POST", "/v1/tickets", {"customer_id": "{cus}", "kind": "complaint", "subject": "S"}, "subject"),
    ("POST", "/v1/tickets", {"customer_id": "{cus}", "kind": "complaint", "subject": "S"}, "assignee"),
    ("POST", "/v1/tickets", {"customer_id": "{cus}", "kind": "complaint", "subject": "S"}, "description"),
    ("PATCH", "/v1/tickets/{tkt}", {}, "subject"),
    ("PATCH", "/v1/tickets/{tkt}", {}, "resolution"),
    ("POST", "/v1/tickets/{tkt}/tasks", {"title": "T"}, "title"),
    ("PATCH", "/v1/tickets/{tkt}/tasks/{tsk}", {}, "title"),
    (
        "POST",
        "/v1/customers/{cus}/activities",
        {"type": "call", "channel": "phone", "subject": "S"},
        "subject",
    ),
    ("POST", "/v1/customers/{cus}/activities", {"type": "call", "channel": "phone", "subject": "S"}, "staff"),
    ("POST", "/v1/customers/{cus}/activities", {"type": "call", "channel": "phone", "subject": "S"}, "notes"),
    ("POST", "/v1/customers/{cus}/contacts", {"name": "A"}, "name"),
    ("POST", "/v1/customers/{cus}/contacts", {"name": "A"}, "title"),
    ("POST", "/v1/customers/{cus}/contacts", {"name": "A"}, "notes"),
    ("POST", "/v1/customers/{cus}/vehicles", {"vin": vin(3)}, "make"),
    ("POST", "/v1/customers/{cus}/vehicles", {"vin": vin(3)}, "model"),
    ("PATCH", "/v1/vehicles/{veh}", {}, "plate"),
    ("POST", "/v1/vehicles/{veh}/mileage", {"reading_km": 10}, "note"),
    ("POST", "/v1/customers/{cus}/maintenance", {"service_type": "maintenance"}, "notes"),
    ("POST", "/v1/settlements", {}, "reason"),
    ("POST", "/v1/alerts/alr_01JD0000000000000000000000/ack", {}, "note"),
    ("POST", "/v1/alerts/alr_01JD0000000000000000000000/resolve", {}, "note"),
    ("POST", "/v1/vouchers/VCHNONE0/void", {}, "reason"),
]
#: Blank, invisible (zero-width, a direction override, a BOM) or, for one-line fields, split.
BLANKS = ["", " ", " \n\t ", "\u200b", "\u202e", "\ufeff\u200d", "a\x00b"]
MULTI_LINE = {"description", "resolution", "notes"}


@pytest.mark.parametrize("value", [*BLANKS, "a\nb"])
@pytest.mark.parametrize(
    ("method", "path", "body", "field"), TEXTS, ids=[f"{m} {p} {f}" for m, p, _, f in TEXTS]
)
async def test_text_is_visible_and_one_line_where_a_label(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    objects: Objects,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
    value: str,
) -> None:
    if value == "a\nb" and (field in MULTI_LINE or "/alerts/" in path):
        pytest.skip("notes may span lines")
    filled = {k: v.format(**objects) if isinstance(v, str) else v for k, v in body.items()}
    await _refused(client, admin, objects, method, path, {**filled, field: value}, field)


async def test_notes_may_span_lines_and_are_trimmed(
    client: httpx.AsyncClient, admin: dict[str, str], objects: Objects
) -> None:
    body = {"type": "call", "channel": "phone", "subject": " S ", "notes": "  first\nsecond \n"}
    r = await client.post(f"/v1/customers/{objects['cus']}/activities", json=body, headers=admin)
    assert r.status_code == 201, r.text
    assert (r.json()["subject"], r.json()["notes"]) == ("S", "first\nsecond")


def _cursor(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


LISTS = [
    "/v1/transactions",
    "/v1/transactions/{txn}/refunds",
    "/v1/customers/{cus}/points/ledger",
    "/v1/points/redemptions",
    "/v1/points/settings/history",
    "/v1/tiers/history",
    "/v1/service-types",
    "/v1/service-types/history",
    "/v1/stores",
    "/v1/api-keys",
    "/v1/customers/{cus}/tokens",
    "/v1/alerts",
    "/v1/settlements",
    "/v1/customers/{cus}/vouchers",
    "/v1/customers/{cus}/vehicles",
    "/v1/vehicles",
    "/v1/vehicles/{veh}/mileage",
    "/v1/customers/{cus}/maintenance",
    "/v1/customers/{cus}/contacts",
    "/v1/customers/{cus}/activities",
    "/v1/tickets",
    "/v1/tickets/{tkt}/tasks",
    "/v1/reminders",
]


@pytest.mark.parametrize("path", LISTS)
async def test_a_cursor_of_one_list_is_refused_by_every_other(
    client: httpx.AsyncClient, admin: dict[str, str], objects: Objects, path: str
) -> None:
    await new_member(client, admin, name="Second")
    first = (await client.get("/v1/customers", params={"limit": 1}, headers=admin)).json()
    members_cursor = first["next_cursor"]
    assert members_cursor is not None
    r = await client.get(path.format(**objects), params={"cursor": members_cursor}, headers=admin)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["cursor"], r.text
    assert (await client.get(path.format(**objects), headers=admin)).status_code == 200


CROSS = [
    ("/v1/tickets", "tsk"),
    ("/v1/tickets/{tkt}/tasks", "tkt"),
    ("/v1/customers/{cus}/contacts", "act"),
    ("/v1/customers/{cus}/activities", "con"),
    ("/v1/vehicles", "odo"),
    ("/v1/vehicles/{veh}/mileage", "veh"),
    ("/v1/alerts", "stl"),
    ("/v1/settlements", "alr"),
    ("/v1/points/settings/history", "chg"),
    ("/v1/tiers/history", "set"),
]


@pytest.mark.parametrize(("path", "prefix"), CROSS)
async def test_a_neighbouring_lists_id_is_not_a_cursor(
    client: httpx.AsyncClient, admin: dict[str, str], objects: Objects, path: str, prefix: str
) -> None:
    cursor = _cursor(f"{prefix}_01JD0000000000000000000000")
    r = await client.get(path.format(**objects), params={"cursor": cursor}, headers=admin)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["cursor"], r.text
