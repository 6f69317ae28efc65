"""Contacts (company members only), activities, and tickets with their workflow and tasks."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.models.integration.api_keys import Scope
from tests.conftest import make_key
from tests.helpers import new_member


async def test_contacts_belong_to_companies(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    company = await new_member(client, admin, name="深圳顺达物流有限公司", kind="company")
    person = await new_member(client, admin)
    url = f"/v1/customers/{company['id']}/contacts"
    first = await client.post(
        url,
        json={
            "name": "王芳",
            "title": "车队经理",
            "phone": "+86 755 8888 0001",
            "email": "Wang@Shunda.example.com",
            "is_main": True,
        },
        headers=admin,
    )
    assert first.status_code == 201, first.text
    assert (first.json()["phone"], first.json()["email"]) == ("+8675588880001", "wang@shunda.example.com")
    second = await client.post(url, json={"name": "Li Lei", "is_main": True}, headers=admin)
    contacts = (await client.get(url, headers=admin)).json()["items"]
    assert [(c["name"], c["is_main"]) for c in contacts] == [("Li Lei", True), ("王芳", False)]
    assert second.json()["is_main"] is True
    refused = await client.post(f"/v1/customers/{person['id']}/contacts", json={"name": "X"}, headers=admin)
    assert refused.status_code == 409 and refused.json()["code"] == "not_a_company"
    bad = await client.post(url, json={"name": "X", "email": "not-an-email"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "email"
    assert (await client.get("/v1/customers/cus_nope/contacts", headers=admin)).status_code == 404


async def test_activities_are_logged_newest_first(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    url = f"/v1/customers/{member['id']}/activities"
    body = {
        "type": "call",
        "channel": "phone",
        "occurred_at": "2026-11-22T10:00:00+08:00",
        "subject": "回访",
        "staff": "li.wei",
        "follow_up_on": "2026-12-01",
    }
    first = await client.post(url, json=body, headers=admin)
    assert first.status_code == 201, first.text
    assert first.json()["occurred_at"].startswith("2026-11-22T02:00:00")
    second = await client.post(
        url, json={"type": "visit", "channel": "in_person", "subject": "test drive"}, headers=admin
    )
    assert second.status_code == 201
    page = (await client.get(url, params={"limit": 1}, headers=admin)).json()
    assert [a["id"] for a in page["items"]] == [second.json()["id"]] and page["next_cursor"]
    rest = (await client.get(url, params={"limit": 1, "cursor": page["next_cursor"]}, headers=admin)).json()
    assert [a["id"] for a in rest["items"]] == [first.json()["id"]] and rest["next_cursor"] is None
    bad = await client.post(url, json={**body, "channel": "pigeon"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "channel"


async def test_ticket_workflow_with_tasks(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    created = await client.post(
        "/v1/tickets",
        json={
            "customer_id": member["id"],
            "kind": "complaint",
            "subject": "Waited two hours",
            "store_id": "dealer-01",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    ticket = created.json()
    url = f"/v1/tickets/{ticket['id']}"
    assert (ticket["status"], ticket["open_tasks"]) == ("open", 0)
    skip = await client.patch(url, json={"status": "closed", "resolution": "x"}, headers=admin)
    assert skip.status_code == 409 and skip.json()["code"] == "illegal_transition"
    assert (await client.patch(url, json={"status": "in_progress"}, headers=admin)).json()[
        "status"
    ] == "in_progress"
    task = (
        await client.post(f"{url}/tasks", json={"title": "Call back", "assignee": "li.wei"}, headers=admin)
    ).json()
    assert (await client.get(url, headers=admin)).json()["open_tasks"] == 1
    no_resolution = await client.patch(url, json={"status": "closed"}, headers=admin)
    assert no_resolution.status_code == 422 and no_resolution.json()["errors"][0]["field"] == "resolution"
    blocked = await client.patch(url, json={"status": "closed", "resolution": "Apologised"}, headers=admin)
    assert blocked.status_code == 409 and blocked.json()["code"] == "open_tasks"
    done = await client.patch(f"{url}/tasks/{task['id']}", json={"done": True}, headers=admin)
    assert done.status_code == 200 and done.json()["done"] is True and done.json()["done_at"]
    closed = await client.patch(
        url, json={"status": "closed", "resolution": "Apologised; free wash"}, headers=admin
    )
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["open_tasks"]) == ("closed", 0) and closed.json()[
        "closed_at"
    ]
    late = await client.post(f"{url}/tasks", json={"title": "More"}, headers=admin)
    assert late.status_code == 409
    reopened = await client.patch(url, json={"status": "in_progress"}, headers=admin)
    assert reopened.json()["closed_at"] is None
    tasks = (await client.get(f"{url}/tasks", headers=admin)).json()["items"]
    assert [t["title"] for t in tasks] == ["Call back"]


async def test_ticket_filters_and_unknowns(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    a, b = await new_member(client, admin), await new_member(client, admin)
    for member, kind in ((a, "complaint"), (a, "feedback"), (b, "complaint")):
        body = {"customer_id": member["id"], "kind": kind, "subject": "s", "assignee": "li.wei"}
        assert (await client.post("/v1/tickets", json=body, headers=admin)).status_code == 201
    listed = (
        await client.get("/v1/tickets", params={"customer_id": a["id"], "kind": "complaint"}, headers=admin)
    ).json()["items"]
    assert len(listed) == 1 and listed[0]["customer_id"] == a["id"]
    assert (
        len((await client.get("/v1/tickets", params={"status": "open"}, headers=admin)).json()["items"]) == 3
    )
    assert (await client.get("/v1/tickets", params={"status": "nope"}, headers=admin)).status_code == 422
    unknown = await client.post(
        "/v1/tickets", json={"customer_id": "cus_x", "kind": "feedback", "subject": "s"}, headers=admin
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "customer_id"
    assert (await client.get("/v1/tickets/tkt_nope", headers=admin)).status_code == 404
    assert (
        await client.patch("/v1/tickets/tkt_nope/tasks/tsk_x", json={"done": True}, headers=admin)
    ).status_code == 404
    await client.delete(f"/v1/customers/{b['id']}", headers=admin)
    assert len((await client.get("/v1/tickets", headers=admin)).json()["items"]) == 2


async def test_a_store_key_acts_for_its_store_only(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    member = await new_member(client, admin, store_id="dealer-01")
    pos = await make_key(app, Scope.members_write, Scope.members_read, store_id="dealer-01")
    body = {"customer_id": member["id"], "kind": "feedback", "subject": "s"}
    assert (
        await client.post("/v1/tickets", json={**body, "store_id": "dealer-02"}, headers=pos)
    ).status_code == 403
    assert (
        await client.post("/v1/tickets", json={**body, "store_id": "dealer-01"}, headers=pos)
    ).status_code == 201
    other = {"service_type": "maintenance", "store_id": "dealer-02"}
    refused = await client.post(f"/v1/customers/{member['id']}/maintenance", json=other, headers=pos)
    assert refused.status_code == 403
