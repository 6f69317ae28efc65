"""A member's privacy: consent per channel (and the reminders that respect it), undelete, erasure."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.domain.crm.consents import ConsentChannel
from app.models.integration.api_keys import Scope
from app.repositories import tables
from app.repositories.crm.consents import consenting
from app.services.crm.reminders import list_reminders
from app.services.finance.verify import verify
from tests.conftest import make_key
from tests.helpers import consent, line, new_member, post, purchase, vin

TODAY = date(2025, 3, 10)


async def test_consent_per_channel_with_time_source_and_history(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    member = (await new_member(client, admin))["id"]
    url = f"/v1/customers/{member}/consents"
    fresh = (await client.get(url, headers=admin)).json()
    assert {c: fresh[c] for c in ConsentChannel} == {
        c: {"granted": False, "at": None, "source": None} for c in ConsentChannel
    }
    given = await consent(client, admin, member, sms=True, wechat=True)
    assert given["sms"]["granted"] and given["wechat"]["granted"] and not given["email"]["granted"]
    assert given["sms"]["source"] == "test" and given["sms"]["at"] is not None
    withdrawn = await client.patch(url, json={"sms": False, "source": "call-centre"}, headers=admin)
    assert withdrawn.json()["sms"] == {**withdrawn.json()["sms"], "granted": False, "source": "call-centre"}
    assert withdrawn.json()["wechat"]["granted"]  # channels not sent stay
    history = (await client.get(f"/v1/customers/{member}/history", headers=admin)).json()["items"]
    assert history[0]["changes"] == [{"field": "consent.sms", "old": True, "new": False}]

    async def ids(channel: ConsentChannel | None) -> set[str]:
        found = await app.state.db.run(lambda s: s.execute(consenting(channel)))
        return {r[0] for r in found}

    assert member in await ids(ConsentChannel.wechat) and member in await ids(None)
    assert member not in await ids(ConsentChannel.sms)
    events = await app.state.db.run(
        lambda s: s.execute(
            select(tables.consent_event.c.channel).where(tables.consent_event.c.customer_id == member)
        )
    )
    assert sorted(r[0] for r in events) == ["sms", "sms", "wechat"]  # every decision kept
    missing = await client.patch(url, json={"sms": True}, headers=admin)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "source"
    reader = await make_key(app, Scope.members_read)
    assert (await client.get(url, headers=reader)).status_code == 200
    assert (await client.patch(url, json={"sms": True, "source": "x"}, headers=reader)).status_code == 403


async def test_marketing_reminders_need_consent_service_ones_do_not(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    member = (await new_member(client, admin, birthday="1984-03-12"))["id"]
    car = {"vin": vin(3), "purchase_date": "2021-03-13"}
    assert (await client.post(f"/v1/customers/{member}/vehicles", json=car, headers=admin)).status_code == 201
    follow = {"type": "call", "channel": "phone", "subject": "s", "follow_up_on": "2025-03-11"}
    assert (
        await client.post(f"/v1/customers/{member}/activities", json=follow, headers=admin)
    ).status_code == 201

    async def kinds() -> list[str]:
        return [r.kind.value for r in await app.state.db.run(lambda s: list_reminders(s, TODAY, 7))]

    assert await kinds() == ["follow_up"]
    await consent(client, admin, member, app=True)
    assert await kinds() == ["follow_up", "birthday", "purchase_anniversary"]
    await client.patch(
        f"/v1/customers/{member}/consents", json={"app": False, "source": "app"}, headers=admin
    )
    assert await kinds() == ["follow_up"]


async def test_restore_a_deleted_member(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin, phone="+8613800138000")
    url = f"/v1/customers/{member['id']}"
    assert (await client.delete(url, headers=admin)).status_code == 204
    assert (await client.get(url, headers=admin)).status_code == 404
    restored = await client.post(f"{url}/restore", headers=admin)
    assert restored.status_code == 200, restored.text
    assert restored.json()["deleted_at"] is None and restored.json()["phone"] == "+8613800138000"
    assert (await client.get(url, headers=admin)).status_code == 200
    again = await client.post(f"{url}/restore", headers=admin)  # a live member: unchanged
    assert again.status_code == 200
    history = (await client.get(f"{url}/history", headers=admin)).json()["items"]
    assert [e["action"] for e in history][:2] == ["restore", "delete"]
    await client.delete(url, headers=admin)
    taker = await new_member(client, admin, phone="+8613800138000")
    taken = await client.post(f"{url}/restore", headers=admin)
    assert taken.status_code == 409 and taken.json()["code"] == "duplicate_member"
    assert taken.json()["existing_id"] == taker["id"]
    assert (await client.get(url, headers=admin)).status_code == 404
    assert (await client.post("/v1/customers/cus_nobody/restore", headers=admin)).status_code == 404


async def test_a_merged_duplicate_comes_back_only_by_undo(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    one, other = (await new_member(client, admin))["id"], (await new_member(client, admin))["id"]
    merge = await client.post(f"/v1/customers/{one}/merge", json={"duplicate_id": other}, headers=admin)
    refused = await client.post(f"/v1/customers/{other}/restore", headers=admin)
    assert refused.status_code == 409 and refused.json()["code"] == "member_merged"
    assert refused.json()["merged_into"] == one
    assert (await client.post(f"/v1/merges/{merge.json()['id']}/undo", headers=admin)).status_code == 200
    assert (await client.get(f"/v1/customers/{other}", headers=admin)).status_code == 200


async def _personal_member(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    person = {
        "name": "李四",
        "kind": "company",
        "phone": "+8613700137000",
        "email": "li.si@example.com",
        "external_ref": "DMS-77",
        "birthday": "1980-01-02",
        "address": "深圳市福田区 1 号",
        "notes": "prefers mornings",
        "tags": ["vip"],
    }
    created = await client.post("/v1/customers", json=person, headers={**admin, "Idempotency-Key": "k-1"})
    assert created.status_code == 201, created.text
    member: dict[str, Any] = created.json()
    base = f"/v1/customers/{member['id']}"
    await client.patch(base, json={"notes": "called back"}, headers=admin)
    contact = {
        "name": "王芳",
        "phone": "+8613600136000",
        "email": "wang@example.com",
        "birthday": "1990-05-06",
    }
    assert (await client.post(f"{base}/contacts", json=contact, headers=admin)).status_code == 201
    car = await client.post(f"{base}/vehicles", json={"vin": vin(11), "plate": "粤B54321"}, headers=admin)
    assert car.status_code == 201
    activity = {"type": "visit", "channel": "in_person", "subject": "李四 test drive", "notes": "wife 王五"}
    assert (await client.post(f"{base}/activities", json=activity, headers=admin)).status_code == 201
    await consent(client, admin, member["id"], email=True)
    bought = await post(
        client, admin, purchase(member["id"], line("parts", "2000.00", description="李四 13700137000 parts"))
    )
    assert bought.status_code == 201
    goodwill = {"points": "10.00", "reason": "goodwill for 李四", "counts_toward_tier": False}
    adjusted = await client.post(f"{base}/points/adjustments", json=goodwill, headers=admin)
    assert adjusted.status_code == 201, adjusted.text
    return member


async def test_erasure_keeps_figures_and_forgets_the_person(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    member = await _personal_member(client, admin)
    base = f"/v1/customers/{member['id']}"
    points = (await client.get(f"{base}/points", headers=admin)).json()
    erased = await client.post(f"{base}/erasure", headers=admin)
    assert erased.status_code == 200, erased.text
    assert erased.json()["scrubbed"] == {
        "contacts": 1,
        "vehicles": 1,
        "activities": 1,
        "tickets": 0,
        "purchase_lines": 1,
        "ledger_reasons": 1,
    }
    assert erased.json()["audit_events_redacted"] >= 2
    assert (await client.get(base, headers=admin)).status_code == 404

    async def rows(table: Any) -> list[dict[str, Any]]:
        found = await app.state.db.run(lambda s: s.execute(select(table)))
        return [dict(r._mapping) for r in found]

    everything = json.dumps(
        [
            await rows(t)
            for t in (
                tables.customer,
                tables.contact,
                tables.vehicle,
                tables.activity,
                tables.purchase_line,
                tables.ledger_entry,
            )
        ]
        + [await rows(tables.audit_event), await rows(tables.idempotency_record)],
        default=str,
        ensure_ascii=False,
    )
    personal = ["李四", "13700137000", "li.si@", "DMS-77", "1980-01-02", "福田", "mornings", "called back"]
    personal += ["王芳", "13600136000", "粤B54321", vin(11), "王五", "vip"]
    for value in personal:
        assert value not in everything, value
    [row] = [r for r in await rows(tables.customer) if r["id"] == member["id"]]
    assert (row["name"], row["erased_at"] is not None, row["deleted_at"] is not None) == (
        "(erased)",
        True,
        True,
    )
    assert row["balance"] == Decimal(points["balance"])
    purchases = [r for r in await rows(tables.purchase) if r["customer_id"] == member["id"]]
    assert len(purchases) == 1 and str(purchases[0]["amount"]) == "2000.00"
    assert (await app.state.db.run(verify)).drift == []
    consents = [r for r in await rows(tables.consent_event) if r["customer_id"] == member["id"]]
    assert [(r["channel"], r["granted"], r["source"]) for r in consents][-1] == ("email", False, "erasure")
    history = await client.get("/v1/audit", params={"object_id": member["id"]}, headers=admin)
    assert history.json()["items"][0]["action"] == "erase"
    synced = await client.get(
        "/v1/customers", params={"updated_since": "2000-01-01T00:00:00Z", "limit": 200}, headers=admin
    )
    [shown] = [m for m in synced.json()["items"] if m["id"] == member["id"]]
    assert shown["erased_at"] is not None and shown["deleted_at"] is not None and shown["name"] == "(erased)"
    restore = await client.post(f"{base}/restore", headers=admin)
    assert restore.status_code == 409 and restore.json()["code"] == "member_erased"
    other = (await new_member(client, admin))["id"]
    merge = await client.post(
        f"/v1/customers/{other}/merge", json={"duplicate_id": member["id"]}, headers=admin
    )
    assert merge.status_code == 422
    again = await client.post(f"{base}/erasure", headers=admin)
    assert again.status_code == 200 and again.json()["scrubbed"] == {}
    assert (await client.post("/v1/customers/cus_nobody/erasure", headers=admin)).status_code == 404


async def test_an_erased_duplicate_s_merge_cannot_be_undone(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    one, other = (await new_member(client, admin))["id"], (await new_member(client, admin))["id"]
    merge = (
        await client.post(f"/v1/customers/{one}/merge", json={"duplicate_id": other}, headers=admin)
    ).json()
    assert (await client.post(f"/v1/customers/{other}/erasure", headers=admin)).status_code == 200
    undo = await client.post(f"/v1/merges/{merge['id']}/undo", headers=admin)
    assert undo.status_code == 409 and undo.json()["code"] == "member_erased"
