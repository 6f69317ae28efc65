"""Each refusal an integrator codes against has its own stable `code`, listed in the contract."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.domain.errors import IdempotencyKeyInUse
from app.main import app as served_app
from app.services.integration.idempotency import run_idempotent
from tests.helpers import line, new_member, post, purchase


async def test_conflicts_name_what_happened(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    member = await new_member(client, admin, phone="+8613700000001")
    twin = await client.post("/v1/customers", json={"name": "Twin", "phone": "+8613700000001"}, headers=admin)
    assert twin.status_code == 409 and twin.json()["code"] == "duplicate_member"
    body = purchase(member["id"], line("parts", "100.00"))
    first = await post(client, admin, body)
    again = await post(client, admin, body)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_receipt"
    assert again.json()["existing_id"] == first.json()["id"]
    refund = f"/v1/transactions/{first.json()['id']}/refunds"
    assert (await client.post(refund, json={}, headers=admin)).status_code == 201
    nothing = await client.post(refund, json={}, headers=admin)
    assert nothing.status_code == 409 and nothing.json()["code"] == "nothing_to_refund"
    short = await client.post(
        f"/v1/customers/{member['id']}/points/redemptions", json={"points": "1.00"}, headers=admin
    )
    assert short.status_code == 409 and short.json()["code"] == "insufficient_balance"
    svc = {"code": "parts", "name": "x", "category": "x", "average_margin": "0.2", "points_weight": "1"}
    dup = await client.post("/v1/service-types", json=svc, headers=admin)
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_service_type"


async def test_idempotency_codes(client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]) -> None:
    member = await new_member(client, admin)
    headers = {**admin, "Idempotency-Key": "same"}
    assert (await post(client, headers, purchase(member["id"], line("parts", "1.00")))).status_code == 201
    reused = await post(client, headers, purchase(member["id"], line("parts", "2.00")))
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert reused.json()["errors"][0]["field"] == "Idempotency-Key"

    async def claimed_but_unfinished(session) -> None:  # type: ignore[no-untyped-def]
        from app.repositories.integration import idempotency as repo

        await repo.claim(session, "key_x", "busy", "hash")
        await run_idempotent(
            session, api_key_id="key_x", key="busy", request_hash="hash", status=201, create=_never
        )

    with pytest.raises(IdempotencyKeyInUse) as refused:  # a claim another request has not finished
        await app.state.db.run(claimed_but_unfinished)
    assert refused.value.status == 409 and refused.value.code == "idempotency_key_in_use"


async def _never():  # type: ignore[no-untyped-def]
    raise AssertionError("must not run")


def test_the_contract_lists_every_code() -> None:
    documented = served_app.openapi()["components"]["schemas"]["Problem"]["properties"]["code"]["description"]
    for code in (
        "duplicate_receipt",
        "duplicate_member",
        "nothing_to_refund",
        "insufficient_balance",
        "idempotency_key_reused",
        "idempotency_key_in_use",
        "store_not_allowed",
        "missing_scope",
        "validation_error",
    ):
        assert f"`{code}`" in documented, code


async def test_forbidden_says_why(client: httpx.AsyncClient, app: FastAPI) -> None:
    from app.models.integration.api_keys import Scope
    from tests.conftest import make_key

    reader = await make_key(app, Scope.members_read)
    r = await client.post("/v1/customers", json={"name": "x"}, headers=reader)
    assert r.status_code == 403 and r.json()["code"] == "missing_scope"
