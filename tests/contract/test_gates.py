"""The contract gates catch what they claim: house Spectral rules and the breaking-change check."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = json.loads((ROOT / "openapi" / "openapi.json").read_text())
SPECTRAL = ROOT / "clients" / "node_modules" / ".bin" / "spectral"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


contract_diff = _load("contract_diff")


def breaking(new: dict[str, Any]) -> list[str]:
    return contract_diff.Diff(CONTRACT, new).breaking()  # type: ignore[no-any-return]


def test_an_unchanged_or_widened_contract_has_no_breaking_change() -> None:
    assert breaking(copy.deepcopy(CONTRACT)) == []
    wider = copy.deepcopy(CONTRACT)
    wider["components"]["schemas"]["CustomerCreate"]["properties"]["name"]["maxLength"] = 400
    wider["paths"]["/v1/customers"]["get"]["parameters"].append(
        {"name": "new_filter", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 9}}
    )
    assert breaking(wider) == []
    nullable = copy.deepcopy(CONTRACT)  # a header or query value is never JSON null on the wire
    (header,) = [p for p in nullable["paths"]["/v1/customers"]["post"]["parameters"] if p["in"] == "header"]
    header["schema"] = {"anyOf": [header["schema"], {"type": "null"}]}
    assert contract_diff.Diff(nullable, CONTRACT).breaking() == []


def test_each_kind_of_breaking_change_is_found() -> None:
    new = copy.deepcopy(CONTRACT)
    schemas = new["components"]["schemas"]
    del new["paths"]["/v1/customers/{customer_id}"]["delete"]
    schemas["CustomerCreate"]["required"].append("phone")
    schemas["CustomerCreate"]["properties"]["name"]["maxLength"] = 50
    schemas["PointsPublic"]["properties"].pop("balance_value")
    schemas["Scope"]["enum"] = schemas["Scope"]["enum"][:-1]
    schemas["TierStatus"]["properties"]["balance"] = {"type": "number"}
    found = breaking(new)
    assert "DELETE /v1/customers/{customer_id} removed" in found
    assert "POST /v1/customers request phone became required" in found
    assert "POST /v1/customers request name.maxLength" in found
    assert "GET /v1/customers/{customer_id}/points response 200 balance_value removed" in found
    assert "POST /v1/api-keys request scopes[] enum narrowed" in found
    assert "GET /v1/customers/{customer_id}/tier response 200 balance type widened to number" in found


def test_the_check_fails_until_the_changelog_lists_the_change(tmp_path: Path) -> None:
    new = copy.deepcopy(CONTRACT)
    del new["paths"]["/v1/tiers"]["put"]
    base, changed, changelog = tmp_path / "base.json", tmp_path / "new.json", tmp_path / "CHANGELOG.md"
    base.write_text(json.dumps(CONTRACT))
    changed.write_text(json.dumps(new))
    changelog.write_text("# Contract changelog\n")
    assert contract_diff.main([str(base), str(changed), "--changelog", str(changelog)]) == 1
    changelog.write_text("# Contract changelog\n\n- `PUT /v1/tiers removed`: replace the table with …\n")
    assert contract_diff.main([str(base), str(changed), "--changelog", str(changelog)]) == 0


def test_the_spectral_house_rules_catch_each_violation(tmp_path: Path) -> None:
    if not SPECTRAL.exists() or shutil.which("node") is None:
        pytest.skip("Spectral is not installed: run `npm ci` in clients/ (needs Node.js)")
    bad = copy.deepcopy(CONTRACT)
    create = bad["paths"]["/v1/customers"]["post"]
    create["operationId"] = "createCustomer"
    create["parameters"] = [p for p in create["parameters"] if p["name"] != "Idempotency-Key"]
    create["responses"]["409"]["content"] = {"application/json": {"schema": {"type": "object"}}}
    bad["components"]["schemas"]["TierStatus"]["properties"]["balance"] = {"type": "number"}
    bad["components"]["schemas"]["CustomerCreate"]["properties"]["name"].pop("maxLength")
    bad["paths"]["/v1/customers"]["get"]["parameters"].append(
        {"name": "access_token", "in": "query", "schema": {"type": "string", "maxLength": 99}}
    )
    bad["components"]["schemas"]["app__models__x__Status"] = {"type": "string", "enum": ["a"]}
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(bad))
    result = subprocess.run(
        [str(SPECTRAL), "lint", "-r", str(ROOT / "openapi" / ".spectral.yaml"), "-f", "json", str(path)],
        env={**os.environ, "NODE_PATH": str(ROOT / "clients" / "node_modules")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = {
        (r["code"], ".".join(map(str, r["path"]))) for r in json.loads(result.stdout) if r["severity"] == 0
    }
    codes = {code for code, _ in errors}
    assert {
        "operation-id-snake-case",
        "creating-posts-take-idempotency-key",
        "errors-are-problem-json",
        "money-and-points-are-strings",
        "request-strings-bounded",
        "schema-names-are-pascal-case",
        "no-credentials-in-url",
    } <= codes, errors
    assert ("money-and-points-are-strings", "components.schemas.TierStatus.properties.balance") in errors
