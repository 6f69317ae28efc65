"""Members: create, duplicates, read, update, search, pagination, soft delete."""

from __future__ import annotations

import httpx

from tests.helpers import new_member


async def test_create_and_read_with_every_field(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    fields = {
        "name": "张三",
        "kind": "person",
        "phone": "+86 138-0013 8000",
        "email": "Zhang.San@Example.com",
        "external_ref": "DMS-1",
        "birthday": "1985-04-12",
        "gender": "male",
        "address": "深南大道 1 号",
        "province": "广东",
        "city": "深圳",
        "industry": "logistics",
        "source": "walk-in",
        "status": "active",
        "relationship": "customer",
        "sales_rep": "li.wei",
        "store_id": "dealer-01",
        "tags": ["suv"],
        "notes": "prefers weekend service",
    }
    created = await new_member(client, admin, **fields)
    got = (await client.get(f"/v1/customers/{created['id']}", headers=admin)).json()
    assert got == created
    assert got["phone"] == "+8613800138000" and got["email"] == "zhang.san@example.com"
    assert (got["tier"], got["phase"], got["lifecycle_stage"]) == ("standard", "development", "exploration")
    assert got["balance"] == "0.00"
    assert got["created_at"].endswith("Z") or got["created_at"].endswith("+00:00")


async def test_duplicates_are_refused_unless_allowed(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await new_member(client, admin, phone="13800138000", email="a@example.com", external_ref="X-1")
    for field, value in (("phone", "138 0013 8000"), ("email", "A@example.com"), ("external_ref", "X-1")):
        r = await client.post("/v1/customers", json={"name": "Other", field: value}, headers=admin)
        assert r.status_code == 409, field
        assert r.json()["existing_id"] == first["id"]
        assert r.json()["field"] == field
    allowed = await client.post(
        "/v1/customers",
        params={"allow_duplicate": "true"},
        json={"name": "Twin", "phone": "13800138000"},
        headers=admin,
    )
    assert allowed.status_code == 201
    other = await new_member(client, admin, phone="13900000000")
    clash = await client.patch(f"/v1/customers/{other['id']}", json={"phone": "13800138000"}, headers=admin)
    assert clash.status_code == 409


async def test_patch_changes_only_what_is_sent(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin, city="广州", tags=["a"])
    r = await client.patch(
        f"/v1/customers/{member['id']}", json={"phase": "maintenance", "tags": ["vip"]}, headers=admin
    )
    assert r.status_code == 200, r.text
    got = (await client.get(f"/v1/customers/{member['id']}", headers=admin)).json()
    assert (got["phase"], got["tags"], got["city"]) == ("maintenance", ["vip"], "广州")
    for forbidden in ({"balance": "100.00"}, {"tier": "gold"}, {"lifetime_points": "1"}, {"id": "x"}):
        refused = await client.patch(f"/v1/customers/{member['id']}", json=forbidden, headers=admin)
        assert refused.status_code == 422, forbidden
    null_name = await client.patch(f"/v1/customers/{member['id']}", json={"name": None}, headers=admin)
    assert null_name.status_code == 422 and null_name.json()["errors"][0]["field"] == "name"


async def test_search_filters_and_cursor(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    ids = [
        (await new_member(client, admin, name=f"王 {i}", store_id="dealer-01" if i % 2 else "dealer-02"))[
            "id"
        ]
        for i in range(5)
    ]
    await new_member(client, admin, name="Other", phone="+86 139 1111 2222", email="o@example.com")
    seen, cursor = [], None
    while True:
        params = {"q": "王", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/customers", params=params, headers=admin)).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    s1 = (await client.get("/v1/customers", params={"store_id": "dealer-01"}, headers=admin)).json()["items"]
    assert {m["id"] for m in s1} == {ids[1], ids[3]}
    by_phone = (await client.get("/v1/customers", params={"q": "13911112222"}, headers=admin)).json()["items"]
    assert [m["name"] for m in by_phone] == ["Other"]
    by_email = (await client.get("/v1/customers", params={"q": "O@example.com"}, headers=admin)).json()[
        "items"
    ]
    assert [m["name"] for m in by_email] == ["Other"]
    bad = await client.get("/v1/customers", params={"cursor": "!!!"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    typo = await client.get("/v1/customers", params={"teir": "gold"}, headers=admin)
    assert typo.status_code == 422 and typo.json()["errors"][0]["field"] == "teir"


async def test_soft_delete_hides_the_member(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin, phone="13700000000")
    assert (await client.delete(f"/v1/customers/{member['id']}", headers=admin)).status_code == 204
    assert (await client.get(f"/v1/customers/{member['id']}", headers=admin)).status_code == 404
    assert (await client.delete(f"/v1/customers/{member['id']}", headers=admin)).status_code == 404
    listed = (await client.get("/v1/customers", headers=admin)).json()["items"]
    assert member["id"] not in [m["id"] for m in listed]
    # the phone is free again for a new member
    assert (
        await client.post("/v1/customers", json={"name": "New", "phone": "13700000000"}, headers=admin)
    ).status_code == 201


async def test_create_is_idempotent(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    headers = {**admin, "Idempotency-Key": "member-1"}
    first = await client.post("/v1/customers", json={"name": "Once"}, headers=headers)
    again = await client.post("/v1/customers", json={"name": "Once"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    listed = (await client.get("/v1/customers", params={"q": "Once"}, headers=admin)).json()["items"]
    assert len(listed) == 1
