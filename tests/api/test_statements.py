"""Signed points statements, verified as a third party would: the `cryptography` package alone,
following the procedure in docs/integrator.md (no import of the application's code)."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.models.integration.api_keys import Scope
from tests.conftest import make_key
from tests.helpers import line, new_member, post, purchase


def verify_statement(jwk: dict[str, str], signed: dict[str, Any]) -> None:
    """Raise InvalidSignature unless `signed` was signed by `jwk` (docs/integrator.md)."""
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and signed["key_id"] == jwk["kid"]
    key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4)))
    message = json.dumps(signed["statement"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key.verify(base64.b64decode(signed["signature"]), message.encode("utf-8"))


async def test_a_statement_verifies_and_a_tampered_one_does_not(
    client: httpx.AsyncClient, admin: dict[str, str], app: Any
) -> None:
    member = await new_member(client, admin, name="Zhang Wei 张伟")
    for amount in ("100", "250.50"):
        assert (
            await post(client, admin, purchase(member["id"], line("maintenance", amount)))
        ).status_code == 201
    jwk = (await client.get("/v1/.well-known/statement-key")).json()  # no authentication
    reader = await make_key(app, Scope.members_read)
    r = await client.get(f"/v1/customers/{member['id']}/points/statement", headers=reader)
    assert r.status_code == 200, r.text
    signed = r.json()
    verify_statement(jwk, signed)
    statement = signed["statement"]
    points = (await client.get(f"/v1/customers/{member['id']}/points", headers=admin)).json()
    assert statement["balance"] == points["balance"] and statement["tier"] == points["tier"]
    assert statement["lifetime_points"] == points["lifetime_points"]
    assert [e["entry_no"] for e in statement["entries"]] == [2, 1]
    for change in (("balance", "999999.00"), ("tier", "platinum"), ("customer_id", "cus_other")):
        tampered = copy.deepcopy(signed)
        tampered["statement"][change[0]] = change[1]
        with pytest.raises(InvalidSignature):
            verify_statement(jwk, tampered)
    tampered = copy.deepcopy(signed)
    tampered["statement"]["entries"][0]["points"] = "1.00"
    with pytest.raises(InvalidSignature):
        verify_statement(jwk, tampered)


async def test_a_member_token_reads_only_its_own_statement(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    me, other = await new_member(client, admin), await new_member(client, admin)
    token = (await client.post(f"/v1/customers/{me['id']}/tokens", json={}, headers=admin)).json()
    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert (await client.get(f"/v1/customers/{me['id']}/points/statement", headers=bearer)).status_code == 200
    assert (
        await client.get(f"/v1/customers/{other['id']}/points/statement", headers=bearer)
    ).status_code == 404
    assert (await client.get("/v1/customers/cus_missing/points/statement", headers=admin)).status_code == 404
    assert (await client.get(f"/v1/customers/{me['id']}/points/statement")).status_code == 401
