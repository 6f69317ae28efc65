"""The committed contract is what the app serves, and it keeps the conventions of api.md."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.main import app, openapi_text

COMMITTED = Path(__file__).parents[2] / "openapi" / "openapi.json"
SPEC = json.loads(openapi_text(app))
OPERATIONS = [(path, method, op) for path, item in SPEC["paths"].items() for method, op in item.items()]


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_committed_contract_is_the_served_one() -> None:
    assert COMMITTED.read_text() == openapi_text(app), "run `crm openapi` and commit openapi/openapi.json"


def test_openapi_version() -> None:
    assert SPEC["openapi"].startswith("3.1")


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=lambda v: v if isinstance(v, str) else "")
def test_operation_conventions(path: str, method: str, op: dict[str, Any]) -> None:
    assert re.fullmatch(r"[a-z]+(_[a-z]+)+", op["operationId"]), op["operationId"]
    assert len(op["tags"]) == 1
    for status, response in op["responses"].items():
        if int(status) >= 400:
            assert list(response["content"]) == ["application/problem+json"], (status, response)
    if "requestBody" in op:
        schema = resolve(op["requestBody"]["content"]["application/json"]["schema"])
        assert schema.get("examples"), f"{op['operationId']} has no request example"
        assert schema.get("additionalProperties") is False
    if method == "post" and "201" in op["responses"]:
        headers = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in headers, op["operationId"]


def test_operation_ids_are_unique() -> None:
    ids = [op["operationId"] for _, _, op in OPERATIONS]
    assert len(ids) == len(set(ids))


MONEY_FIELDS = {
    "amount",
    "rebate",
    "payable",
    "points",
    "balance",
    "lifetime_points",
    "threshold",
    "paid",
    "profit_points",
    "consumption_points",
    "margin",
    "rebate_rate",
    "x",
    "point_value",
}


def test_money_and_rates_are_strings_never_numbers() -> None:
    checked = 0
    for name, schema in SPEC["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            if field in MONEY_FIELDS and name != "StatementKey":  # a JWK: its `x` is the public key
                variants = prop.get("anyOf", [prop])
                types = {v.get("type") for v in variants}
                assert types <= {"string", "null"}, (name, field, prop)
                assert all("pattern" in v for v in variants if v.get("type") == "string"), (name, field)
                checked += 1
    assert checked > 20


def test_timestamps_are_date_time() -> None:
    public = resolve({"$ref": "#/components/schemas/TransactionPublic"})
    assert public["properties"]["created_at"]["format"] == "date-time"


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=lambda v: v if isinstance(v, str) else "")
def test_each_operation_states_its_scope(path: str, method: str, op: dict[str, Any]) -> None:
    if path in ("/healthz", "/readyz", "/v1/.well-known/statement-key"):  # probes, the public key: no key
        assert "x-required-scope" not in op
        return
    scope = op["x-required-scope"]
    assert f"Requires scope `{scope}`" in op["description"]
    assert {"401", "403", "404"} <= set(op["responses"])
    assert op["x-member-token"] == (
        path.endswith(("/tier", "/points", "/points/ledger", "/points/statement")) and method == "get"
    )
