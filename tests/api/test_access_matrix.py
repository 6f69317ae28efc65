"""Authorization matrix: every operation × every kind of caller answers the documented status.

Callers: an unrestricted admin; an admin bound to dealer-01; a dealer-01 POS key
(transactions:write); an unrestricted members:read key; a dealer-02 key with every
non-admin scope; a revoked admin key; a member token of member A; the key of a dealer-01
manager (a user); the key of a dealer-01 staff user to whom member A is not assigned. The
objects acted on belong to dealer-01 (member A, its purchase P, its vehicle, its ticket and
task; company member C and its contacts), so dealer-02 and the staff user must not see them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.main import app as served_app
from app.models.integration.api_keys import Scope
from app.settings import Settings
from app.worker.runner import Worker
from tests.conftest import make_key
from tests.helpers import line, new_member, post, purchase, vin

CALLERS = [
    "admin", "store_admin", "pos", "reader", "other_store", "revoked", "member_token", "manager", "staff",
]  # fmt: skip


@dataclass
class World:
    client: httpx.AsyncClient
    keys: dict[str, dict[str, str]]
    member: str
    purchase: str
    alert: str
    settlement: str
    vouchers: list[str]
    redemption: str
    vehicle: str
    ticket: str
    task: str
    company: str
    user: str = ""
    n: int = 0
    webhook: str = ""
    delivery: str = ""
    campaign: str = ""

    @property
    def admin(self) -> dict[str, str]:
        return self.keys["admin"]

    def fresh(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n}"


Prepare = Callable[[World], Awaitable[tuple[str, Any] | tuple[str, Any, dict[str, str]]]]


def fixed(path: str, body: Any = None) -> Prepare:
    async def prepare(w: World) -> tuple[str, Any]:
        return path.format(
            m=w.member,
            p=w.purchase,
            a=w.alert,
            s=w.settlement,
            v=w.vouchers,
            r=w.redemption,
            veh=w.vehicle,
            t=w.ticket,
            task=w.task,
            c=w.company,
            u=w.user,
            wh=w.webhook,
            d=w.delivery,
            cmp=w.campaign,
        ), body

    return prepare


async def _fresh_member(w: World) -> tuple[str, Any]:
    member = await new_member(w.client, w.admin, store_id="dealer-01")
    return f"/v1/customers/{member['id']}", None


async def _fresh_pair(w: World) -> tuple[str, Any]:
    """Two fresh dealer-01 members: merge the second into the first."""
    one, two = [await new_member(w.client, w.admin, store_id="dealer-01") for _ in range(2)]
    return f"/v1/customers/{one['id']}/merge", {"duplicate_id": two["id"]}


async def _fresh_merge(w: World) -> tuple[str, Any]:
    path, body = await _fresh_pair(w)
    merged = (await w.client.post(path, json=body, headers=w.admin)).json()
    return f"/v1/merges/{merged['id']}/undo", None


async def _deleted_member(w: World) -> tuple[str, Any]:
    path, _ = await _fresh_member(w)
    assert (await w.client.delete(path, headers=w.admin)).status_code == 204
    return f"{path}/restore", None


async def _erasable_member(w: World) -> tuple[str, Any]:
    path, _ = await _fresh_member(w)
    return f"{path}/erasure", None


async def _fresh_key(w: World) -> tuple[str, Any]:
    body = {"name": "victim", "scopes": ["members:read"], "store_id": "dealer-01"}
    created = (await w.client.post("/v1/api-keys", json=body, headers=w.admin)).json()
    return f"/v1/api-keys/{created['id']}", None


def _user_body(w: World) -> dict[str, str]:
    n = w.fresh("u")
    return {"name": n, "email": f"{n}@dealer.example", "role": "staff", "store_id": "dealer-01"}


async def _new_user(w: World) -> tuple[str, Any]:
    return "/v1/users", _user_body(w)


async def _fresh_user(w: World) -> tuple[str, Any]:
    created = (await w.client.post("/v1/users", json=_user_body(w), headers=w.admin)).json()
    return f"/v1/users/{created['id']}", None


async def _user_key(
    client: httpx.AsyncClient, admin: dict[str, str], role: str
) -> tuple[str, dict[str, str]]:
    body = {"name": role, "email": f"{role}@dealer.example", "role": role, "store_id": "dealer-01"}
    user = (await client.post("/v1/users", json=body, headers=admin)).json()
    key = {"name": role, "scopes": ["admin"], "user_id": user["id"]}
    created = (await client.post("/v1/api-keys", json=key, headers=admin)).json()
    return user["id"], {"Authorization": f"Bearer {created['key']}"}


HOOK = {"url": "https://example.com/h", "events": ["tier.changed"]}
CAMPAIGN = {
    "name": "Matrix",
    "bonus_points": "1.00",
    "store_id": "dealer-01",
    "target": {"store_id": "dealer-01"},
}


async def _draft_campaign(w: World) -> str:
    created = await w.client.post("/v1/campaigns", json=CAMPAIGN, headers=w.admin)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _scheduled_campaign(w: World) -> str:
    cid = await _draft_campaign(w)
    moved = await w.client.post(f"/v1/campaigns/{cid}/status", json={"status": "scheduled"}, headers=w.admin)
    assert moved.status_code == 200, moved.text
    return cid


async def _fresh_draft(w: World) -> tuple[str, Any]:
    return f"/v1/campaigns/{await _draft_campaign(w)}", {"name": "Renamed"}


async def _fresh_status(w: World) -> tuple[str, Any]:
    return f"/v1/campaigns/{await _draft_campaign(w)}/status", {"status": "scheduled"}


async def _fresh_execution(w: World) -> tuple[str, Any]:
    return f"/v1/campaigns/{await _scheduled_campaign(w)}/execute", {"holdout_share": "0"}


async def _fresh_webhook(w: World) -> tuple[str, Any]:
    body = {"url": "https://example.com/hook", "events": ["tier.changed"]}
    created = (await w.client.post("/v1/webhooks", json=body, headers=w.admin)).json()
    return f"/v1/webhooks/{created['id']}", None


async def _fresh_token(w: World) -> tuple[str, Any]:
    created = (await w.client.post(f"/v1/customers/{w.member}/tokens", json={}, headers=w.admin)).json()
    return f"/v1/customers/{w.member}/tokens/{created['id']}", None


async def _new_purchase(w: World) -> tuple[str, Any]:
    return "/v1/transactions", purchase(w.member, line("parts", "100.00"), external_id=w.fresh("M"))


async def _new_service_type(w: World) -> tuple[str, Any]:
    code = w.fresh("svc").replace("-", "_")
    return "/v1/service-types", {
        "code": code,
        "name": "x",
        "category": "x",
        "average_margin": "0.2",
        "points_weight": "1",
    }


async def _new_store(w: World) -> tuple[str, Any]:
    return "/v1/stores", {"code": w.fresh("shop"), "name": "New shop"}


async def _new_vehicle(w: World) -> tuple[str, Any]:
    plate = w.fresh("P")
    return f"/v1/customers/{w.member}/vehicles", {"vin": vin(w.n + 100), "plate": plate}


async def _current(w: World, path: str) -> tuple[str, Any, dict[str, str]]:
    """The current representation, to PUT back with its ETag as `If-Match`."""
    current = await w.client.get(path, headers=w.admin)
    body = current.json()
    if path in ("/v1/points/settings", "/v1/finance/settings", "/v1/marketing/settings"):
        body = {k: v for k, v in body.items() if not k.startswith("y_") and k != "updated_at"}
    return path, body, {"If-Match": current.headers.get("ETag", "*")}


NEW_MEMBER = {"name": "N", "store_id": "dealer-01"}
ADJUSTMENT = {"points": "1.00", "reason": "r"}
PARTIAL_REFUND = {"lines": [{"line_no": 1, "amount": "1.00"}]}
STORE_KEY = {"name": "k", "scopes": ["members:read"], "store_id": "dealer-01"}
QUOTE = purchase("{m}", line("parts", "1.00"))
TICKET = {"customer_id": "{m}", "kind": "feedback", "subject": "s", "store_id": "dealer-01"}
ACTIVITY = {"type": "call", "channel": "phone", "subject": "s"}
CONSENT = {"sms": True, "source": "form"}

# operation: method, what to call, expected status per caller in CALLERS order:
#            admin store_admin pos reader other_store revoked member_token manager staff
MATRIX: dict[str, tuple[str, Prepare, tuple[int, ...]]] = {
    "create_customer": ("POST", fixed("/v1/customers", NEW_MEMBER),
        (201, 201, 403, 403, 403, 401, 404, 201, 201)),
    "list_customers": ("GET", fixed("/v1/customers"),
        (200, 200, 403, 200, 200, 401, 404, 200, 200)),
    "get_customer": ("GET", fixed("/v1/customers/{m}"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "update_customer": ("PATCH", fixed("/v1/customers/{m}", {"notes": "n"}),
        (200, 200, 403, 403, 404, 401, 404, 200, 404)),
    "delete_customer": ("DELETE", _fresh_member,
        (204, 204, 403, 403, 404, 401, 404, 204, 404)),
    "merge_customers": ("POST", _fresh_pair,
        (201, 201, 403, 403, 403, 401, 404, 201, 403)),
    "undo_merge": ("POST", _fresh_merge,
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "restore_customer": ("POST", _deleted_member,
        (200, 200, 403, 403, 403, 401, 404, 200, 403)),
    "erase_customer": ("POST", _erasable_member,
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "get_customer_consents": ("GET", fixed("/v1/customers/{m}/consents"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "update_customer_consents": ("PATCH", fixed("/v1/customers/{m}/consents", CONSENT),
        (200, 200, 403, 403, 404, 401, 404, 200, 404)),
    "get_customer_tier": ("GET", fixed("/v1/customers/{m}/tier"),
        (200, 200, 403, 200, 404, 401, 200, 200, 404)),
    "get_customer_points": ("GET", fixed("/v1/customers/{m}/points"),
        (200, 200, 403, 200, 404, 401, 200, 200, 404)),
    "get_points_statement": ("GET", fixed("/v1/customers/{m}/points/statement"),
        (200, 200, 403, 200, 404, 401, 200, 200, 404)),
    "create_webhook": ("POST", fixed("/v1/webhooks", HOOK),
        (201, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_webhooks": ("GET", fixed("/v1/webhooks"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "get_webhook": ("GET", fixed("/v1/webhooks/{wh}"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "update_webhook": ("PATCH", fixed("/v1/webhooks/{wh}", {"enabled": True}),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "delete_webhook": ("DELETE", _fresh_webhook,
        (204, 403, 403, 403, 403, 401, 404, 403, 403)),
    "rotate_webhook_secret": ("POST", fixed("/v1/webhooks/{wh}/rotate-secret"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_webhook_deliveries": ("GET", fixed("/v1/webhooks/{wh}/deliveries"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "redeliver_webhook": ("POST", fixed("/v1/webhooks/{wh}/deliveries/{d}/redeliver"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_customer_ledger": ("GET", fixed("/v1/customers/{m}/points/ledger"),
        (200, 200, 403, 200, 404, 401, 200, 200, 404)),
    "create_redemption": ("POST", fixed("/v1/customers/{m}/points/redemptions", {"points": "1.00"}),
        (201, 201, 403, 403, 404, 401, 404, 201, 404)),
    "create_adjustment": ("POST", fixed("/v1/customers/{m}/points/adjustments", ADJUSTMENT),
        (201, 403, 403, 403, 403, 401, 404, 403, 403)),
    "create_transaction": ("POST", _new_purchase,
        (201, 201, 201, 403, 403, 401, 404, 201, 422)),
    "quote_transaction": ("POST", fixed("/v1/transactions/quote", QUOTE),
        (200, 200, 200, 403, 403, 401, 404, 200, 422)),
    "list_transactions": ("GET", fixed("/v1/transactions"),
        (200, 200, 403, 200, 200, 401, 404, 200, 200)),
    "get_transaction": ("GET", fixed("/v1/transactions/{p}"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "list_refunds": ("GET", fixed("/v1/transactions/{p}/refunds"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "create_refund": ("POST", fixed("/v1/transactions/{p}/refunds", PARTIAL_REFUND),
        (201, 201, 201, 403, 404, 401, 404, 201, 404)),
    "get_tiers": ("GET", fixed("/v1/tiers"),
        (200, 200, 403, 200, 200, 401, 404, 200, 200)),
    "replace_tiers": ("PUT", lambda w: _current(w, "/v1/tiers"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_service_types": ("GET", fixed("/v1/service-types"),
        (200, 200, 403, 200, 200, 401, 404, 200, 200)),
    "create_service_type": ("POST", _new_service_type,
        (201, 403, 403, 403, 403, 401, 404, 403, 403)),
    "update_service_type": ("PATCH", fixed("/v1/service-types/parts", {"name": "Parts"}),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "get_points_settings": ("GET", fixed("/v1/points/settings"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "replace_points_settings": ("PUT", lambda w: _current(w, "/v1/points/settings"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_points_settings_changes": ("GET", fixed("/v1/points/settings/history"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_tier_table_changes": ("GET", fixed("/v1/tiers/history"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_service_type_changes": ("GET", fixed("/v1/service-types/history"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_stores": ("GET", fixed("/v1/stores"),
        (200, 200, 403, 200, 200, 401, 404, 200, 200)),
    "get_store": ("GET", fixed("/v1/stores/dealer-01"),
        (200, 200, 403, 200, 404, 401, 404, 200, 200)),
    "create_store": ("POST", _new_store,
        (201, 403, 403, 403, 403, 401, 404, 403, 403)),
    "update_store": ("PATCH", fixed("/v1/stores/dealer-03", {"region": "South"}),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "create_api_key": ("POST", fixed("/v1/api-keys", STORE_KEY),
        (201, 201, 403, 403, 403, 401, 404, 201, 403)),
    "list_api_keys": ("GET", fixed("/v1/api-keys"),
        (200, 200, 403, 403, 403, 401, 404, 200, 403)),
    "revoke_api_key": ("DELETE", _fresh_key,
        (200, 200, 403, 403, 403, 401, 404, 200, 403)),
    "create_member_token": ("POST", fixed("/v1/customers/{m}/tokens", {}),
        (201, 201, 403, 201, 404, 401, 404, 201, 404)),
    "list_member_tokens": ("GET", fixed("/v1/customers/{m}/tokens"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "revoke_member_token": ("DELETE", _fresh_token,
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "get_liability": ("GET", fixed("/v1/finance/liability"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "get_finance_settings": ("GET", fixed("/v1/finance/settings"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "replace_finance_settings": ("PUT", lambda w: _current(w, "/v1/finance/settings"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "get_marketing_settings": ("GET", fixed("/v1/marketing/settings"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "replace_marketing_settings": ("PUT", lambda w: _current(w, "/v1/marketing/settings"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_alerts": ("GET", fixed("/v1/alerts"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "get_alert": ("GET", fixed("/v1/alerts/{a}"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "acknowledge_alert": ("POST", fixed("/v1/alerts/{a}/ack", {"note": "seen"}),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "resolve_alert": ("POST", fixed("/v1/alerts/{a}/resolve", {"note": "done"}),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_settlements": ("GET", fixed("/v1/settlements"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "get_settlement": ("GET", fixed("/v1/settlements/{s}"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "preview_settlement": ("POST", fixed("/v1/settlements/preview", {"target": "0.01"}),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "create_settlement": ("POST", fixed("/v1/settlements", {"target": "0.01", "reason": "matrix"}),
        (201, 403, 403, 403, 403, 401, 404, 403, 403)),
    "get_voucher": ("GET", fixed("/v1/vouchers/{v[0]}"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "use_voucher": ("POST", fixed("/v1/vouchers/{v[0]}/use", {"store_id": "dealer-01"}),
        (201, 201, 201, 403, 403, 401, 404, 201, 404)),
    "void_voucher": ("POST", fixed("/v1/vouchers/{v[1]}/void", {"reason": "lost"}),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_customer_vouchers": ("GET", fixed("/v1/customers/{m}/vouchers"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "list_redemptions": ("GET", fixed("/v1/points/redemptions"),
        (200, 200, 403, 200, 200, 401, 404, 200, 200)),
    "create_redemption_reversal": ("POST", fixed("/v1/customers/{m}/points/redemptions/{r}/reversal", {}),
        (201, 201, 403, 403, 404, 401, 404, 201, 404)),
    "get_finance_report": ("GET", fixed("/v1/reports/finance?from=2026-01-01&to=2026-01-31&group_by=month"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "get_liability_report": ("GET", fixed("/v1/reports/liability"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "create_vehicle": ("POST", _new_vehicle,
        (201, 201, 403, 403, 404, 401, 404, 201, 404)),
    "list_vehicles": ("GET", fixed("/v1/customers/{m}/vehicles"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "find_vehicles": ("GET", fixed("/v1/vehicles?plate=M-1"),
        (200, 200, 403, 200, 200, 401, 404, 200, 200)),
    "get_vehicle": ("GET", fixed("/v1/vehicles/{veh}"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "update_vehicle": ("PATCH", fixed("/v1/vehicles/{veh}", {"make": "VW"}),
        (200, 200, 403, 403, 404, 401, 404, 200, 404)),
    "record_mileage": ("POST", fixed("/v1/vehicles/{veh}/mileage", {"reading_km": 9000}),
        (201, 201, 403, 403, 404, 401, 404, 201, 404)),
    "list_mileage": ("GET", fixed("/v1/vehicles/{veh}/mileage"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "list_allowed_services": ("GET", fixed("/v1/customers/{m}/services"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "record_maintenance": ("POST", fixed("/v1/customers/{m}/maintenance", {"service_type": "maintenance"}),
        (201, 201, 403, 403, 404, 401, 404, 201, 404)),
    "list_maintenance": ("GET", fixed("/v1/customers/{m}/maintenance"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "create_contact": ("POST", fixed("/v1/customers/{c}/contacts", {"name": "Wang"}),
        (201, 201, 403, 403, 404, 401, 404, 201, 404)),
    "list_contacts": ("GET", fixed("/v1/customers/{c}/contacts"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "create_activity": ("POST", fixed("/v1/customers/{m}/activities", ACTIVITY),
        (201, 201, 403, 403, 404, 401, 404, 201, 404)),
    "list_activities": ("GET", fixed("/v1/customers/{m}/activities"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "create_ticket": ("POST", fixed("/v1/tickets", TICKET),
        (201, 201, 403, 403, 403, 401, 404, 201, 422)),
    "list_tickets": ("GET", fixed("/v1/tickets"),
        (200, 200, 403, 200, 200, 401, 404, 200, 200)),
    "get_ticket": ("GET", fixed("/v1/tickets/{t}"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "update_ticket": ("PATCH", fixed("/v1/tickets/{t}", {"assignee": "li.wei"}),
        (200, 200, 403, 403, 404, 401, 404, 200, 404)),
    "create_task": ("POST", fixed("/v1/tickets/{t}/tasks", {"title": "call back"}),
        (201, 201, 403, 403, 404, 401, 404, 201, 404)),
    "list_tasks": ("GET", fixed("/v1/tickets/{t}/tasks"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "update_task": ("PATCH", fixed("/v1/tickets/{t}/tasks/{task}", {"done": True}),
        (200, 200, 403, 403, 404, 401, 404, 200, 404)),
    "create_user": ("POST", _new_user,
        (201, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_users": ("GET", fixed("/v1/users"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "get_user": ("GET", fixed("/v1/users/{u}"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "update_user": ("PATCH", fixed("/v1/users/{u}", {"name": "Renamed"}),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "deactivate_user": ("DELETE", _fresh_user,
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "list_customer_history": ("GET", fixed("/v1/customers/{m}/history"),
        (200, 200, 403, 200, 404, 401, 404, 200, 404)),
    "list_audit_events": ("GET", fixed("/v1/audit?object_type=customer"),
        (200, 403, 403, 403, 403, 401, 404, 403, 403)),
    "get_sales_rep_report": ("GET", fixed("/v1/reports/sales-reps?from=2026-01-01&to=2026-01-31"),
        (200, 200, 403, 403, 403, 401, 404, 200, 403)),
    "list_reminders": ("GET", fixed("/v1/reminders"),
        (200, 200, 403, 200, 200, 401, 404, 200, 200)),
    "create_campaign": ("POST", fixed("/v1/campaigns", CAMPAIGN),
        (201, 201, 403, 403, 403, 401, 404, 201, 403)),
    "list_campaigns": ("GET", fixed("/v1/campaigns"),
        (200, 200, 403, 403, 403, 401, 404, 200, 403)),
    "preview_selection": ("POST", fixed("/v1/campaigns/preview", {"tiers": ["standard"]}),
        (200, 200, 403, 403, 403, 401, 404, 200, 403)),
    "get_campaign": ("GET", fixed("/v1/campaigns/{cmp}"),
        (200, 200, 403, 403, 403, 401, 404, 200, 403)),
    "update_campaign": ("PATCH", _fresh_draft,
        (200, 200, 403, 403, 403, 401, 404, 200, 403)),
    "change_campaign_status": ("POST", _fresh_status,
        (200, 200, 403, 403, 403, 401, 404, 200, 403)),
    "preview_campaign": ("POST", fixed("/v1/campaigns/{cmp}/preview"),
        (200, 200, 403, 403, 403, 401, 404, 200, 403)),
    "execute_campaign": ("POST", _fresh_execution,
        (200, 200, 403, 403, 403, 401, 404, 200, 403)),
    "get_campaign_results": ("GET", fixed("/v1/campaigns/{cmp}/results"),
        (200, 200, 403, 403, 403, 401, 404, 200, 403)),
}  # fmt: skip


def test_the_matrix_covers_every_authenticated_operation() -> None:
    operations = {
        op["operationId"]
        for item in served_app.openapi()["paths"].values()
        for op in item.values()
        if "x-required-scope" in op
    }
    assert operations == set(MATRIX), "add a row to MATRIX for each new operation"


async def _world(client: httpx.AsyncClient, app: FastAPI) -> World:
    admin = await make_key(app)
    hook = {"url": "http://127.0.0.1:9/refused", "events": ["settlement.completed"]}
    webhook = (await client.post("/v1/webhooks", json=hook, headers=admin)).json()["id"]
    member = await new_member(client, admin, store_id="dealer-01")
    second = await new_member(client, admin, store_id="dealer-01")
    for someone in (member, second):  # settled below: a voucher each
        bought = await post(client, admin, purchase(someone["id"], line("parts", "5000.00")))
        assert bought.status_code == 201, bought.text
    settled = await client.post("/v1/settlements", json={"target": "0.01"}, headers=admin)
    assert settled.status_code == 201, settled.text
    await Worker(app.state.db, Settings(worker_in_serve=False)).run_until_idle()
    vouchers = [
        (await client.get(f"/v1/customers/{m['id']}/vouchers", headers=admin)).json()["items"][0]["code"]
        for m in (member, second)
    ]
    [alert] = (await client.get("/v1/alerts", headers=admin)).json()["items"]
    posted = await post(client, admin, purchase(member["id"], line("parts", "5000.00")))
    assert posted.status_code == 201, posted.text
    redeemed = await client.post(
        f"/v1/customers/{member['id']}/points/redemptions",
        json={"points": "1.00", "store_id": "dealer-01"},
        headers=admin,
    )
    assert redeemed.status_code == 201, redeemed.text
    revoked_key = (
        await client.post("/v1/api-keys", json={"name": "gone", "scopes": ["admin"]}, headers=admin)
    ).json()
    assert (await client.delete(f"/v1/api-keys/{revoked_key['id']}", headers=admin)).status_code == 200
    token = (await client.post(f"/v1/customers/{member['id']}/tokens", json={}, headers=admin)).json()
    crm = await _crm_objects(client, admin, member["id"])
    manager_id, manager = await _user_key(client, admin, "manager")
    _, staff = await _user_key(client, admin, "staff")
    every = [Scope.members_read, Scope.members_write, Scope.transactions_write, Scope.points_write]
    keys = {
        "admin": admin,
        "store_admin": await make_key(app, Scope.admin, store_id="dealer-01"),
        "pos": await make_key(app, Scope.transactions_write, store_id="dealer-01"),
        "reader": await make_key(app, Scope.members_read),
        "other_store": await make_key(app, *every, store_id="dealer-02"),
        "revoked": {"Authorization": f"Bearer {revoked_key['key']}"},
        "member_token": {"Authorization": f"Bearer {token['token']}"},
        "manager": manager,
        "staff": staff,
    }
    [delivery] = (await client.get(f"/v1/webhooks/{webhook}/deliveries", headers=admin)).json()["items"]
    world = World(
        client,
        keys,
        member["id"],
        posted.json()["id"],
        alert["id"],
        settled.json()["id"],
        vouchers,
        redeemed.json()["entry"]["id"],
        *crm,
        user=manager_id,
    )
    world.webhook, world.delivery = webhook, delivery["id"]
    world.campaign = await _scheduled_campaign(world)
    executed = await client.post(f"/v1/campaigns/{world.campaign}/execute", json={}, headers=admin)
    assert executed.status_code == 200, executed.text
    return world


async def _crm_objects(client: httpx.AsyncClient, admin: dict[str, str], member: str) -> tuple[str, ...]:
    """Member A's vehicle, ticket (at dealer-01) and its task; a dealer-01 company with a contact."""
    vehicle = await client.post(
        f"/v1/customers/{member}/vehicles", json={"vin": vin(1), "plate": "M-1"}, headers=admin
    )
    ticket = await client.post(
        "/v1/tickets",
        json={"customer_id": member, "kind": "complaint", "subject": "s", "store_id": "dealer-01"},
        headers=admin,
    )
    task = await client.post(f"/v1/tickets/{ticket.json()['id']}/tasks", json={"title": "t"}, headers=admin)
    company = await new_member(client, admin, name="Fleet Co", kind="company", store_id="dealer-01")
    contact = await client.post(f"/v1/customers/{company['id']}/contacts", json={"name": "Li"}, headers=admin)
    for made in (vehicle, ticket, task, contact):
        assert made.status_code == 201, made.text
    return vehicle.json()["id"], ticket.json()["id"], task.json()["id"], company["id"]


def _filled(body: Any, member: str) -> Any:
    if isinstance(body, dict):
        return {k: _filled(v, member) for k, v in body.items()}
    if isinstance(body, list):
        return [_filled(v, member) for v in body]
    return member if body == "{m}" else body


@pytest.mark.parametrize("caller", CALLERS)
async def test_authorization_matrix(client: httpx.AsyncClient, app: FastAPI, caller: str) -> None:
    world = await _world(client, app)
    column = CALLERS.index(caller)
    wrong = []
    for name, (method, prepare, expected) in MATRIX.items():
        path, body, *extra = await prepare(world)
        headers = {**world.keys[caller], **(extra[0] if extra else {})}
        if name == "quote_transaction":
            body = {**_filled(body, world.member), "external_id": world.fresh("Q")}
        elif name == "create_ticket":
            body = _filled(body, world.member)
        response = await client.request(method, path, json=body, headers=headers)
        if response.status_code != expected[column]:
            wrong.append(
                f"{name}: {response.status_code} (expected {expected[column]}) {response.text[:160]}"
            )
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json", name
    assert wrong == [], "\n".join(w[:60] for w in wrong)
