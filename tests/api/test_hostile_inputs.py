"""Hostile input, generated for every field of every operation: never a 5xx, and a refused
request changes nothing.

The operations and their fields are read from the app's own contract (request bodies, down
into nested objects and list items, and every path, query and header parameter), so a new
operation or field is covered without touching this file. Each example starts from the
operation's documented request example and breaks one field: overlong text, NUL, a lone
surrogate, non-ASCII digits, numbers beyond any column, JSON numbers for decimal strings,
dates at the calendar's ends, wrong types, nested junk, null where null is not allowed, or
the field's key given twice. Hypothesis prints the blob that replays a failure.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.main import app as contract_app
from app.models import metadata
from tests.helpers import line, new_member, post, purchase

SPEC = contract_app.openapi()
Path = tuple[str | int, ...]


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def nullable(schema: dict[str, Any]) -> bool:
    return any(v.get("type") == "null" for v in schema.get("anyOf", []))


def value_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of a non-null value (`anyOf [T, null]` → T)."""
    variants = [v for v in schema.get("anyOf", []) if v.get("type") != "null"]
    return resolve(variants[0] if variants else schema)


def body_fields(schema: dict[str, Any], path: Path = ()) -> list[tuple[Path, dict[str, Any]]]:
    """Every property of a body, of its nested objects and of the first item of its lists."""
    found: list[tuple[Path, dict[str, Any]]] = []
    for name, prop in resolve(schema).get("properties", {}).items():
        found.append(((*path, name), prop))
        inner = value_schema(prop)
        if inner.get("type") == "array":
            item = resolve(inner["items"])
            found.append(((*path, name, 0), item))
            found += body_fields(item, (*path, name, 0))
        elif "properties" in inner:
            found += body_fields(inner, (*path, name))
    return found


def field_name(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


# --- hostile values -------------------------------------------------------------------------

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, min_size=1, max_size=3) | st.dictionaries(st.text(max_size=5), inner, min_size=1)
    ),
    max_leaves=8,
).filter(lambda v: isinstance(v, list | dict))
huge_numbers = st.integers(min_value=2**63) | st.integers(max_value=-(2**63)) | st.just(10**400)
floats = st.floats(allow_nan=False, allow_infinity=False, width=64)
other_digits = st.text(
    alphabet=st.characters(categories=["Nd"], exclude_characters="0123456789"), min_size=1, max_size=12
)
offsets = st.integers(min_value=-23, max_value=23).map(lambda h: timezone(timedelta(hours=h)))
extreme_times = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(1899, 12, 31), timezones=offsets),
    st.datetimes(min_value=datetime(3000, 1, 1), max_value=datetime(9999, 12, 31), timezones=offsets),
    st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-02-30T10:00:00Z"]),
).map(lambda v: v if isinstance(v, str) else v.isoformat())
extreme_dates = st.one_of(
    st.dates(max_value=datetime(1899, 12, 31).date()),
    st.dates(min_value=(datetime.now(UTC) + timedelta(days=2)).date()),
).map(lambda d: d.isoformat())


def not_storable(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text with a NUL or a lone surrogate somewhere."""
    bad = st.sampled_from(["\x00", "\ud800", "\udfff"])
    return st.tuples(st.text(max_size=max_size), bad, st.text(max_size=max_size)).map("".join)


def hostile(schema: dict[str, Any], *, in_body: bool = True) -> st.SearchStrategy[Any]:
    """Values this field must refuse, whatever the rest of the request holds.

    Outside a body (query parameters) every value is text, so JSON types are sent as text.
    """
    inner = value_schema(schema)
    kind = inner.get("type")
    pattern = inner.get("pattern", "")
    options: list[st.SearchStrategy[Any]] = [huge_numbers, floats]
    if in_body:
        options.append(junk)
        if not nullable(schema) and "default" not in schema:
            options.append(st.none())
    if kind == "string" or "enum" in inner:
        options.append(not_storable())
        if in_body:
            options.append(st.booleans())
        limit = inner.get("maxLength", 10_000)
        options.append(st.text(alphabet=string.ascii_letters, min_size=limit + 1, max_size=limit + 20))
        if "enum" in inner:
            options.append(st.text(max_size=20).filter(lambda v: v not in inner["enum"]))
        if pattern.startswith(("^[0-9]", "^-?[0-9]", "^-?(0")):  # decimal strings
            options += [
                other_digits,
                huge_numbers.map(str),
                st.sampled_from(["NaN", "1e3", "-0x1", " 1", "１０００"]),
            ]
        if inner.get("format") == "date-time":
            options.append(extreme_times)
        if inner.get("format") == "date":
            options.append(extreme_dates)
        if inner.get("minLength", 0) >= 1:
            options.append(st.just(""))
        if pattern or inner.get("format") == "email":
            options.append(st.sampled_from([" ", "\u3000", "\t\n"]))
    elif kind == "integer":
        low, high = inner.get("minimum"), inner.get("maximum")
        options += [other_digits, st.sampled_from(["一", "1.5", "0x10"] + (["1", True] if in_body else []))]
        if low is not None:
            options.append(st.integers(max_value=low - 1))
        if high is not None:
            options.append(st.integers(min_value=high + 1))
    elif kind == "boolean":
        valid_text = ["maybe", "２", "truee", "null", "[]"]
        options.append(st.sampled_from(["true", "1", "yes", 1, 0] if in_body else valid_text))
    elif kind == "array":
        item = hostile(resolve(inner["items"]))
        options += [st.lists(item, min_size=1, max_size=3), st.text(max_size=5)]
        if "maxItems" in inner:
            options.append(st.just(["x"] * (inner["maxItems"] + 1)))
    elif kind == "object" or "properties" in inner:
        options += [st.text(max_size=5), st.just([])]
    strategy = st.one_of(options)
    return strategy if in_body else strategy.map(lambda v: v if isinstance(v, str) else json.dumps(v))


PARAMETER_HOSTILE = {
    "header": st.one_of(
        st.sampled_from(["", " ", "a b", "tab\there", "é".encode().decode("latin-1")]),
        st.text(alphabet=string.ascii_letters, min_size=256, max_size=300),
    ),
    "path": st.one_of(
        st.text(alphabet=string.ascii_letters, min_size=65, max_size=80),
        other_digits,
        st.sampled_from(["\x00", "..", " ", "cus_" + "9" * 26, "%", "x" * 41]),
    ),
}


def parameter_hostile(parameter: dict[str, Any]) -> st.SearchStrategy[str]:
    if parameter["in"] in PARAMETER_HOSTILE:
        return PARAMETER_HOSTILE[parameter["in"]]
    return hostile(parameter["schema"], in_body=False).filter(
        lambda v: "\ud800" not in v and "\udfff" not in v
    )


# --- requests --------------------------------------------------------------------------------


def dumps(value: Any, repeat: Path | None = None, here: Path = ()) -> str:
    """JSON text, with the key at `repeat` written twice."""
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            text = f"{json.dumps(key)}:{dumps(item, repeat, (*here, key))}"
            parts += [text, text] if (*here, key) == repeat else [text]
        return "{" + ",".join(parts) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v, repeat, (*here, i)) for i, v in enumerate(value)) + "]"
    return json.dumps(value)


def put_at(body: Any, path: Path, value: Any) -> Any:
    body = copy.deepcopy(body)
    target = body
    for part, following in itertools.pairwise(path):
        if isinstance(part, int):
            while len(target) <= part:
                target.append({} if isinstance(following, str) else None)
        elif part not in target or not isinstance(target[part], dict | list):
            target[part] = [] if isinstance(following, int) else {}
        target = target[part]
    last = path[-1]
    if isinstance(last, int):
        while len(target) <= last:
            target.append(None)
    target[last] = value
    return body


OPERATIONS = [
    (path, method.upper(), op)
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if op.get("parameters") or op.get("requestBody")
]


async def database_checksum(application: FastAPI) -> str:
    """A digest of every row of every table (an API key's last use excepted)."""

    async def read(session) -> str:  # type: ignore[no-untyped-def]
        digest = hashlib.sha256()
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) != ("api_key", "last_used_at")]
            rows = (await session.execute(select(*columns))).all()
            digest.update(f"{table.name}:{sorted(map(repr, rows))}".encode())
        return digest.hexdigest()

    return str(await application.state.db.run(read))


@pytest.fixture
async def world(client: httpx.AsyncClient, admin: dict[str, str], app: FastAPI) -> dict[str, str]:
    """Objects the operations' paths and examples can name."""
    member = await new_member(client, admin, phone="13712345678")
    posted = await post(client, admin, purchase(member["id"], line("maintenance", "1000.00", "0.35")))
    assert posted.status_code == 201, posted.text
    key = await client.post("/v1/api-keys", json={"name": "spare", "scopes": ["members:read"]}, headers=admin)
    return {
        "checksum": await database_checksum(app),
        "customer_id": member["id"],
        "transaction_id": posted.json()["id"],
        "code": "maintenance",
        "key_id": key.json()["id"],
    }


def example_body(op: dict[str, Any], world: dict[str, str]) -> Any:
    schema = resolve(op["requestBody"]["content"]["application/json"]["schema"])
    body = copy.deepcopy(schema["examples"][0])
    if isinstance(body, dict) and "customer_id" in body:
        body["customer_id"] = world["customer_id"]
    return body


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS])
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_hostile_input_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    app: FastAPI,
    world: dict[str, str],
    path: str,
    method: str,
    op: dict[str, Any],
    data: st.DataObject,
) -> None:
    parameters = {p["name"]: p for p in op.get("parameters", [])}
    targets: list[tuple[str, Any]] = [("param", name) for name in parameters]
    body = None
    if "requestBody" in op:
        body = example_body(op, world)
        fields = body_fields(op["requestBody"]["content"]["application/json"]["schema"])
        targets += [("body", f) for f in fields] + [
            ("repeat", f) for f in fields if isinstance(f[0][-1], str)
        ]
    where, target = data.draw(st.sampled_from(targets), label="target")

    url = path
    for name, parameter in parameters.items():
        if parameter["in"] == "path":
            url = url.replace("{" + name + "}", world[name])
    query: dict[str, str] = {}
    headers = {**admin, "Content-Type": "application/json"}
    content = None if body is None else dumps(body)
    if where == "param":
        parameter = parameters[target]
        value = data.draw(parameter_hostile(parameter), label=target)
        if parameter["in"] == "path":
            url = path.replace("{" + target + "}", quote(value, safe=""))
            for name, p in parameters.items():
                if p["in"] == "path" and name != target:
                    url = url.replace("{" + name + "}", world[name])
        elif parameter["in"] == "query":
            query[target] = value
        else:
            headers[target] = value.encode("latin-1")  # type: ignore[assignment]
        named = "" if "\x00" in value else target  # a NUL in the URL is refused before routing
    elif where == "body":
        field_path, schema = target
        content = dumps(put_at(body, field_path, data.draw(hostile(schema), label=field_name(field_path))))
        named = field_name(field_path)
    else:
        field_path, _ = target
        present = body if field_path_exists(body, field_path) else put_at(body, field_path, "x")
        content = dumps(present, field_path)
        named = field_name(field_path)

    response = await client.request(method, url, params=query, content=content, headers=headers)
    assert response.status_code < 500, response.text
    assert await database_checksum(app) == world["checksum"], (response.status_code, response.text)
    if method != "GET":
        assert 400 <= response.status_code < 500, response.text
        if response.status_code == 422 and named:
            fields = [e["field"] for e in response.json()["errors"]]
            assert any(f == named or f.startswith((named + ".", named + "[")) for f in fields), (
                named,
                response.json(),
            )


def field_path_exists(body: Any, path: Path) -> bool:
    target = body
    for part in path:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return False
    return True
