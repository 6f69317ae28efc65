"""Formats are checked at the boundary: a 422 naming the field, nothing stored, and the
normalised phone and email are what the duplicate check compares."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.settings import get_settings
from tests.helpers import line, new_member, purchase

TIER = {"code": "standard", "name": "Standard", "threshold": "0", "rebate_rate": "0"}
SERVICE = {"code": "detailing", "name": "Detailing", "category": "after-sales", "average_margin": "0.4"}

# (what is wrong, method, path, body, the field the problem must name)
BAD: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("script as phone", "POST", "/v1/customers", {"name": "A", "phone": "<script>x</script>"}, "phone"),
    ("too short a phone", "POST", "/v1/customers", {"name": "A", "phone": "12345"}, "phone"),
    ("letters in a phone", "POST", "/v1/customers", {"name": "A", "phone": "1-800-FLOWERS"}, "phone"),
    ("full-width phone", "POST", "/v1/customers", {"name": "A", "phone": "１３７１２３４５６７８"}, "phone"),
    ("not an email", "POST", "/v1/customers", {"name": "A", "email": "definitely not an email"}, "email"),
    ("email without domain", "POST", "/v1/customers", {"name": "A", "email": "a@b"}, "email"),
    ("blank name", "POST", "/v1/customers", {"name": "   "}, "name"),
    ("ideographic-space name", "POST", "/v1/customers", {"name": "\u3000\u3000"}, "name"),
    ("empty name", "POST", "/v1/customers", {"name": ""}, "name"),
    ("name with a newline", "POST", "/v1/customers", {"name": "A\nB"}, "name"),
    ("overlong name", "POST", "/v1/customers", {"name": "x" * 201}, "name"),
    ("overlong tag", "POST", "/v1/customers", {"name": "A", "tags": ["x" * 51]}, "tags[0]"),
    ("blank tag", "POST", "/v1/customers", {"name": "A", "tags": [" "]}, "tags[0]"),
    ("too many tags", "POST", "/v1/customers", {"name": "A", "tags": [f"t{i}" for i in range(51)]}, "tags"),
    ("store id with a slash", "POST", "/v1/customers", {"name": "A", "store_id": "a/b"}, "store_id"),
    ("reference with a space", "POST", "/v1/customers", {"name": "A", "external_ref": "R 1"}, "external_ref"),
    ("future birthday", "POST", "/v1/customers", {"name": "A", "birthday": "2999-01-01"}, "birthday"),
    ("ancient birthday", "POST", "/v1/customers", {"name": "A", "birthday": "1899-12-31"}, "birthday"),
    ("overlong notes", "POST", "/v1/customers", {"name": "A", "notes": "x" * 5001}, "notes"),
    (
        "injected tier code",
        "PUT",
        "/v1/tiers",
        {"tiers": [{**TIER, "code": "a'; drop table tier;--"}]},
        "tiers[0].code",
    ),
    ("overlong tier code", "PUT", "/v1/tiers", {"tiers": [{**TIER, "code": "t" * 40}]}, "tiers[0].code"),
    ("upper-case tier code", "PUT", "/v1/tiers", {"tiers": [{**TIER, "code": "Gold"}]}, "tiers[0].code"),
    ("blank tier name", "PUT", "/v1/tiers", {"tiers": [{**TIER, "name": " "}]}, "tiers[0].name"),
    (
        "bad allowed service",
        "PUT",
        "/v1/tiers",
        {"tiers": [{**TIER, "allowed_services": ["a/b"]}]},
        "tiers[0].allowed_services[0]",
    ),
    ("empty service code", "POST", "/v1/service-types", {**SERVICE, "code": ""}, "code"),
    ("service code with a slash", "POST", "/v1/service-types", {**SERVICE, "code": "a/b"}, "code"),
    ("40-character service code", "POST", "/v1/service-types", {**SERVICE, "code": "s" * 40}, "code"),
    ("33-character service code", "POST", "/v1/service-types", {**SERVICE, "code": "s" * 33}, "code"),
    ("negative weight", "POST", "/v1/service-types", {**SERVICE, "points_weight": "-1"}, "points_weight"),
    ("blank key name", "POST", "/v1/api-keys", {"name": " ", "scopes": ["admin"]}, "name"),
    (
        "key store with a space",
        "POST",
        "/v1/api-keys",
        {"name": "k", "scopes": ["admin"], "store_id": "a b"},
        "store_id",
    ),
]


@pytest.mark.parametrize(("what", "method", "path", "body", "field"), BAD, ids=[b[0] for b in BAD])
async def test_bad_format_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    what: str,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    before = [
        (await client.get(p, headers=admin)).json()
        for p in ("/v1/customers", "/v1/tiers", "/v1/service-types")
    ]
    r = await client.request(method, path, json=body, headers=admin)
    assert r.status_code == 422, (what, r.text)
    assert field in [e["field"] for e in r.json()["errors"]], (what, r.json())
    after = [
        (await client.get(p, headers=admin)).json()
        for p in ("/v1/customers", "/v1/tiers", "/v1/service-types")
    ]
    assert after == before


async def test_service_type_code_is_patchable_once_created(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await client.post("/v1/service-types", json={**SERVICE, "code": "d" * 32}, headers=admin)
    assert created.status_code == 201
    patched = await client.patch(f"/v1/service-types/{'d' * 32}", json={"name": "Renamed"}, headers=admin)
    assert patched.status_code == 200 and patched.json()["name"] == "Renamed"


async def test_text_is_trimmed(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin, name="  Wang Wu \u3000", city=" 深圳 ", tags=[" vip ", "vip"])
    assert (member["name"], member["city"], member["tags"]) == ("Wang Wu", "深圳", ["vip"])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("13712345678", "+8613712345678"),
        ("+86 137-1234-5678", "(137) 1234.5678"),
        ("0086 137 1234 5678", "13712345678"),
    ],
)
async def test_one_phone_in_any_spelling_is_one_member(
    client: httpx.AsyncClient, admin: dict[str, str], first: str, second: str
) -> None:
    member = await new_member(client, admin, phone=first)
    assert member["phone"] == "+8613712345678"
    r = await client.post("/v1/customers", json={"name": "Twin", "phone": second}, headers=admin)
    assert r.status_code == 409 and r.json()["existing_id"] == member["id"] and r.json()["field"] == "phone"
    other = await new_member(client, admin, phone="+1 202 555 0123")
    assert other["phone"] == "+12025550123"
    clash = await client.patch(f"/v1/customers/{other['id']}", json={"phone": second}, headers=admin)
    assert clash.status_code == 409


async def test_one_email_in_any_case_or_padding_is_one_member(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, email="  Li.Si@Example.COM ")
    assert member["email"] == "li.si@example.com"
    r = await client.post("/v1/customers", json={"name": "Twin", "email": "LI.SI@example.com"}, headers=admin)
    assert r.status_code == 409 and r.json()["field"] == "email"


async def test_search_finds_a_phone_in_any_spelling(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await new_member(client, admin, name="Phone Owner", phone="13712345678")
    await new_member(client, admin, name="Someone Else", phone="13912345678")
    for q in ("13712345678", "+86 137 1234 5678", "+8613712345678", "(137) 1234-5678", "2345678 ", "45678"):
        found = (await client.get("/v1/customers", params={"q": q}, headers=admin)).json()["items"]
        names = sorted(m["name"] for m in found)
        assert names == (
            ["Phone Owner", "Someone Else"] if q.strip() in ("2345678", "45678") else ["Phone Owner"]
        ), q


async def test_default_phone_region_is_configurable(
    client: httpx.AsyncClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_DEFAULT_PHONE_REGION", "US")
    get_settings.cache_clear()
    try:
        member = await new_member(client, admin, phone="(202) 555-0123")
        assert member["phone"] == "+12025550123"
        found = (await client.get("/v1/customers", params={"q": "202-555-0123"}, headers=admin)).json()[
            "items"
        ]
        assert [m["id"] for m in found] == [member["id"]]
    finally:
        monkeypatch.delenv("CRM_DEFAULT_PHONE_REGION")
        get_settings.cache_clear()
    cn = await new_member(client, admin, phone="2025550123")  # a Beijing landline under CN
    assert cn["phone"] == "+862025550123"


@pytest.mark.parametrize("field", ["name", "kind", "phase", "status", "relationship", "tags"])
async def test_patch_refuses_null_for_required_fields(
    client: httpx.AsyncClient, admin: dict[str, str], field: str
) -> None:
    member = await new_member(client, admin)
    r = await client.patch(f"/v1/customers/{member['id']}", json={field: None}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
    assert (await client.get(f"/v1/customers/{member['id']}", headers=admin)).json() == member


async def test_patch_null_clears_an_optional_field(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin, phone="13712345678", email="a@example.com", city="Shenzhen")
    r = await client.patch(
        f"/v1/customers/{member['id']}", json={"phone": None, "email": None, "city": None}, headers=admin
    )
    assert r.status_code == 200
    assert (r.json()["phone"], r.json()["email"], r.json()["city"]) == (None, None, None)


async def test_service_type_patch_refuses_null(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for field in ("name", "category", "average_margin", "points_weight"):
        r = await client.patch("/v1/service-types/maintenance", json={field: None}, headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field


async def test_margin_and_cost_exclude_each_other(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    both = purchase(member["id"], line("maintenance", "100.00", "0.3", cost="50.00"))
    assert (await client.post("/v1/transactions/quote", json=both, headers=admin)).status_code == 422
    null_margin = purchase(member["id"], {**line("maintenance", "100.00", cost="50.00"), "margin": None})
    r = await client.post("/v1/transactions/quote", json=null_margin, headers=admin)
    assert r.status_code == 200 and r.json()["lines"][0]["margin"] == "0.5"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": " "}, "q"),
        ({"q": "a\tb"}, "q"),
        ({"tier": "Gold!"}, "tier"),
        ({"tier": "t" * 33}, "tier"),
        ({"store_id": "a b"}, "store_id"),
        ({"sales_rep": "x" * 101}, "sales_rep"),
        ({"cursor": "not a cursor!"}, "cursor"),
    ],
)
async def test_query_parameters_have_formats(
    client: httpx.AsyncClient, admin: dict[str, str], params: dict[str, str], field: str
) -> None:
    r = await client.get("/v1/customers", params=params, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text


@pytest.mark.parametrize("key", ["", "a b", "é", "k" * 256])
async def test_idempotency_key_has_a_format(
    client: httpx.AsyncClient, admin: dict[str, str], key: str
) -> None:
    r = await client.post(
        "/v1/customers",
        json={"name": "A"},
        headers={**admin, "Idempotency-Key": key.encode()},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "Idempotency-Key", r.text
    assert (await client.get("/v1/customers", headers=admin)).json()["items"] == []
