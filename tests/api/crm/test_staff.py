"""Staff users and their keys: staff see only their members (404 elsewhere), managers their
store, admins everything; a deactivated user's keys stop at once."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import line, new_member, post, purchase, vin


async def user_key(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    role: str,
    store_id: str | None = "dealer-01",
    scopes: tuple[str, ...] = ("admin",),
    **fields: Any,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A new user in `role` and the headers of a key bound to it."""
    n = len((await client.get("/v1/users?limit=500", headers=admin)).json()["items"])
    body = {"name": f"U {n}", "email": f"u{n}@dealer.example", "role": role, "store_id": store_id, **fields}
    user = await client.post("/v1/users", json=body, headers=admin)
    assert user.status_code == 201, user.text
    key = await client.post(
        "/v1/api-keys",
        json={"name": "k", "scopes": list(scopes), "user_id": user.json()["id"]},
        headers=admin,
    )
    assert key.status_code == 201, key.text
    return user.json(), {"Authorization": f"Bearer {key.json()['key']}"}


async def _member_with_purchase(
    client: httpx.AsyncClient, admin: dict[str, str], **fields: Any
) -> tuple[str, str]:
    member = await new_member(client, admin, store_id="dealer-01", **fields)
    bought = await post(client, admin, purchase(member["id"], line("parts", "1000.00")))
    assert bought.status_code == 201, bought.text
    return member["id"], bought.json()["id"]


def _member_operations(m: str, p: str) -> list[tuple[str, str, Any]]:
    """Every member-scoped operation a staff key holds the scope for, on member `m` and purchase `p`."""
    return [
        ("GET", f"/v1/customers/{m}", None),
        ("PATCH", f"/v1/customers/{m}", {"notes": "n"}),
        ("GET", f"/v1/customers/{m}/tier", None),
        ("GET", f"/v1/customers/{m}/points", None),
        ("GET", f"/v1/customers/{m}/points/ledger", None),
        ("POST", f"/v1/customers/{m}/points/redemptions", {"points": "1.00"}),
        ("POST", f"/v1/customers/{m}/tokens", {}),
        ("GET", f"/v1/customers/{m}/tokens", None),
        ("GET", f"/v1/customers/{m}/vouchers", None),
        ("GET", f"/v1/customers/{m}/history", None),
        ("GET", f"/v1/transactions/{p}", None),
        ("GET", f"/v1/transactions/{p}/refunds", None),
        ("POST", f"/v1/transactions/{p}/refunds", {"lines": [{"line_no": 1, "amount": "1.00"}]}),
        ("POST", f"/v1/customers/{m}/vehicles", {"vin": vin(77), "plate": "S-1"}),
        ("GET", f"/v1/customers/{m}/vehicles", None),
        ("GET", f"/v1/customers/{m}/services", None),
        ("POST", f"/v1/customers/{m}/maintenance", {"service_type": "maintenance"}),
        ("GET", f"/v1/customers/{m}/maintenance", None),
        ("POST", f"/v1/customers/{m}/activities", {"type": "call", "channel": "phone", "subject": "s"}),
        ("GET", f"/v1/customers/{m}/activities", None),
    ]


async def test_staff_reach_only_the_members_assigned_to_them(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    staff, key = await user_key(client, admin, "staff", rep_code="li.wei")
    mine, my_purchase = await _member_with_purchase(client, admin, sales_rep="li.wei")
    theirs, their_purchase = await _member_with_purchase(client, admin, sales_rep="zhao.min")
    for method, path, body in _member_operations(theirs, their_purchase):
        response = await client.request(method, path, json=body, headers=key)
        assert response.status_code == 404, (method, path, response.text)
    for method, path, body in _member_operations(mine, my_purchase):
        response = await client.request(method, path, json=body, headers=key)
        assert response.status_code in (200, 201, 204), (method, path, response.text)
    assert (await client.delete(f"/v1/customers/{theirs}", headers=key)).status_code == 404
    listed = (await client.get("/v1/customers?limit=500", headers=key)).json()["items"]
    assert {m["id"] for m in listed} == {mine}
    sold = (await client.get("/v1/transactions?limit=500", headers=key)).json()["items"]
    assert {t["id"] for t in sold} == {my_purchase}
    refused = await post(client, key, purchase(theirs, line("parts", "10.00"), external_id="S-2"))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "customer_id"
    assert (await client.get(f"/v1/customers/{theirs}", headers=admin)).json()["notes"] is None
    assert staff["rep_code"] == "li.wei"


async def test_staff_create_members_as_their_own(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    staff, key = await user_key(client, admin, "staff")
    created = await new_member(client, key)
    assert created["sales_rep"] == staff["rep_code"] == staff["id"]
    assert created["store_id"] == "dealer-01"
    other = await client.post("/v1/customers", json={"name": "X", "sales_rep": "someone"}, headers=key)
    assert other.status_code == 403 and other.json()["code"] == "rep_not_allowed"
    handed = await client.patch(f"/v1/customers/{created['id']}", json={"sales_rep": "someone"}, headers=key)
    assert handed.status_code == 403
    assert (await client.put("/v1/tiers", json={"tiers": []}, headers=key)).status_code == 403


async def test_a_manager_works_within_its_store(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    _, key = await user_key(client, admin, "manager")
    own = await new_member(client, admin, store_id="dealer-01", sales_rep="anyone")
    elsewhere = await new_member(client, admin, store_id="dealer-02")
    assert (await client.get(f"/v1/customers/{own['id']}", headers=key)).status_code == 200
    assert (
        await client.patch(f"/v1/customers/{own['id']}", json={"notes": "m"}, headers=key)
    ).status_code == 200
    assert (await client.get(f"/v1/customers/{elsewhere['id']}", headers=key)).status_code == 404
    listed = (await client.get("/v1/customers?limit=500", headers=key)).json()["items"]
    assert elsewhere["id"] not in {m["id"] for m in listed}
    assert (await client.get("/v1/users", headers=key)).status_code == 403
    assert (await client.get("/v1/audit", headers=key)).status_code == 403
    assert (await client.get("/v1/tiers/history", headers=key)).status_code == 403
    moved = await client.post("/v1/customers", json={"name": "M", "store_id": "dealer-02"}, headers=key)
    assert moved.status_code == 403


async def test_a_manager_overrides_tier_services_and_staff_do_not(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    _, manager = await user_key(client, admin, "manager")
    _, staff = await user_key(client, admin, "staff", rep_code="r1")
    member = await new_member(client, admin, store_id="dealer-01", sales_rep="r1")
    services = (await client.get(f"/v1/customers/{member['id']}/services", headers=admin)).json()
    allowed = {s["code"] for s in services["items"]}
    catalogue = (await client.get("/v1/service-types?limit=500", headers=admin)).json()["items"]
    barred = [s["code"] for s in catalogue if s["code"] not in allowed]
    body = {"service_type": barred[0], "override": True, "override_reason": "goodwill"}
    by_staff = await client.post(f"/v1/customers/{member['id']}/maintenance", json=body, headers=staff)
    assert by_staff.status_code == 403
    by_manager = await client.post(f"/v1/customers/{member['id']}/maintenance", json=body, headers=manager)
    assert by_manager.status_code == 201, by_manager.text


async def test_a_deactivated_users_keys_answer_401(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    user, key = await user_key(client, admin, "staff")
    assert (await client.get("/v1/customers", headers=key)).status_code == 200
    gone = await client.delete(f"/v1/users/{user['id']}", headers=admin)
    assert gone.status_code == 200 and gone.json()["active"] is False
    refused = await client.get("/v1/customers", headers=key)
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
    back = await client.patch(f"/v1/users/{user['id']}", json={"active": True}, headers=admin)
    assert back.status_code == 200
    assert (await client.get("/v1/customers", headers=key)).status_code == 200


async def test_a_role_change_applies_to_the_users_keys_at_once(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    user, key = await user_key(client, admin, "staff")
    member = await new_member(client, admin, store_id="dealer-02")
    assert (await client.get(f"/v1/customers/{member['id']}", headers=key)).status_code == 404
    promoted = await client.patch(f"/v1/users/{user['id']}", json={"role": "admin"}, headers=admin)
    assert promoted.status_code == 200
    assert (await client.get(f"/v1/customers/{member['id']}", headers=key)).status_code == 200


async def test_user_input_is_checked(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    storeless = await client.post(
        "/v1/users", json={"name": "A", "email": "a@x.example", "role": "manager"}, headers=admin
    )
    assert storeless.status_code == 422 and storeless.json()["errors"][0]["field"] == "store_id"
    user, _ = await user_key(client, admin, "staff", email="dup@x.example")
    again = await client.post(
        "/v1/users",
        json={"name": "B", "email": "DUP@x.example", "role": "staff", "store_id": "dealer-01"},
        headers=admin,
    )
    assert again.status_code == 409 and again.json()["existing_id"] == user["id"]
    wide = await client.post(
        "/v1/api-keys", json={"name": "k", "scopes": ["finance:read"], "user_id": user["id"]}, headers=admin
    )
    assert wide.status_code == 403 and wide.json()["code"] == "scope_not_allowed"
    unknown = await client.post(
        "/v1/api-keys", json={"name": "k", "scopes": ["members:read"], "user_id": "usr_nobody"}, headers=admin
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "user_id"
    _, manager = await user_key(client, admin, "manager")
    bound = await client.post(
        "/v1/api-keys", json={"name": "k", "scopes": ["members:read"], "user_id": user["id"]}, headers=manager
    )
    assert bound.status_code == 403
    unstored = await client.patch(f"/v1/users/{user['id']}", json={"store_id": None}, headers=admin)
    assert unstored.status_code == 422


async def test_sales_rep_report(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    user, _ = await user_key(client, admin, "staff", rep_code="wang")
    first, _ = await _member_with_purchase(client, admin, sales_rep="wang")
    await _member_with_purchase(client, admin, sales_rep="wang")
    await new_member(client, admin, store_id="dealer-01", sales_rep="wang")
    await client.post(
        f"/v1/customers/{first}/activities",
        json={"type": "call", "channel": "phone", "subject": "s"},
        headers=admin,
    )
    await client.post(
        "/v1/tickets",
        json={"customer_id": first, "kind": "complaint", "subject": "s", "store_id": "dealer-01"},
        headers=admin,
    )
    today = (await client.get(f"/v1/customers/{first}", headers=admin)).json()["created_at"][:10]
    report = await client.get(f"/v1/reports/sales-reps?from={today}&to={today}", headers=admin)
    assert report.status_code == 200, report.text
    [row] = [r for r in report.json()["rows"] if r["sales_rep"] == "wang"]
    assert row == {
        "sales_rep": "wang",
        "user_id": user["id"],
        "name": user["name"],
        "members": 3,
        "purchases": 2,
        "spend": "2000.00",
        "profit": row["profit"],
        "activities": 1,
        "open_tickets": 1,
    }
    assert row["profit"] != "0.00"
    inverted = await client.get(f"/v1/reports/sales-reps?from={today}&to=2000-01-01", headers=admin)
    assert inverted.status_code == 422
