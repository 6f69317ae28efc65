"""The contract states what the server enforces on input: a length for every string, the
formats of codes, ids, phones and emails, which PATCH fields may be null, and that a line's
margin and cost exclude each other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.models.text import CODE, STORE_ID
from tests.contract.test_openapi import OPERATIONS, SPEC, resolve


def strings(schema: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every string schema inside `schema`, with where it is."""
    schema = resolve(schema)
    for variant in schema.get("anyOf", []):
        yield from strings(variant, where)
    if schema.get("type") == "string":
        yield where, schema
    for name, prop in schema.get("properties", {}).items():
        yield from strings(prop, f"{where}.{name}")
    if "items" in schema:
        yield from strings(schema["items"], f"{where}[]")


def request_strings() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path, method, op in OPERATIONS:
        for parameter in op.get("parameters", []):
            found += strings(parameter["schema"], f"{method} {path} {parameter['name']}")
        if "requestBody" in op:
            found += strings(
                op["requestBody"]["content"]["application/json"]["schema"], f"{method} {path} body"
            )
    return found


@pytest.mark.parametrize(
    ("where", "schema"), request_strings(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_request_string_has_a_length(where: str, schema: dict[str, Any]) -> None:
    bounded = "maxLength" in schema or "enum" in schema or schema.get("format") in ("date", "date-time")
    assert bounded, f"{where} has no maxLength"


def component(name: str) -> dict[str, Any]:
    return SPEC["components"]["schemas"][name]  # type: ignore[no-any-return]


def test_codes_and_ids_have_their_formats() -> None:
    assert component("TierIn")["properties"]["code"]["pattern"] == CODE
    assert component("TierIn")["properties"]["allowed_services"]["items"]["pattern"] == CODE
    assert component("ServiceTypeCreate")["properties"]["code"]["pattern"] == CODE
    assert component("TransactionLineIn")["properties"]["service_type"]["pattern"] == CODE
    assert component("TransactionCreate")["properties"]["store_id"]["pattern"] == STORE_ID
    for model in ("CustomerCreate", "CustomerUpdate"):
        props = component(model)["properties"]
        assert props["phone"]["anyOf"][0]["pattern"] and props["phone"]["anyOf"][0]["maxLength"] == 32
        assert props["email"]["anyOf"][0]["format"] == "email"
        assert props["name"]["pattern"] and props["name"]["maxLength"] == 200
        assert props["tags"]["maxItems"] == 50 and props["tags"]["items"]["maxLength"] == 50


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        ("CustomerUpdate", ["name", "kind", "phase", "status", "relationship", "tags"]),
        ("ServiceTypeUpdate", ["name", "category", "average_margin", "points_weight"]),
    ],
)
def test_patch_fields_that_may_not_be_null_are_not_nullable(model: str, fields: list[str]) -> None:
    props = component(model)["properties"]
    for field in fields:
        schema = props[field]
        assert "default" not in schema, field
        assert {"type": "null"} not in schema.get("anyOf", []), field
    assert {"type": "null"} in props.get("phone", {"anyOf": [{"type": "null"}]}).get("anyOf", [])


def test_margin_and_cost_exclude_each_other() -> None:
    line = component("TransactionLineIn")
    assert line["not"]["required"] == ["margin", "cost"]
    assert "never both" in line["properties"]["margin"]["description"]
    assert "never both" in line["properties"]["cost"]["description"]
