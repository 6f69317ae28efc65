"""Hostile input, generated for every field of every operation: never a 5xx, and a refused
request changes nothing.

The operations and their fields are read from the app's own contract (request bodies, down
into nested objects and list items, and every path, query and header parameter), so a new
operation or field is covered without touching this file. Each request starts from the
operation's documented request example and breaks one field; each Hypothesis example sends
one request per field and kind of hostile value: overlong text, NUL, a lone surrogate,
non-ASCII digits, numbers beyond any column, JSON numbers for decimal strings, dates at the
calendar's ends, wrong types, nested junk, null where null is not allowed, the field's key
given twice. Hypothesis prints the blob that replays a failure (shrinking is off: an example
is hundreds of requests).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NamedTuple
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
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

_nested = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, min_size=1, max_size=3) | st.dictionaries(st.text(max_size=5), inner, min_size=1)
    ),
    max_leaves=8,
)
# Built as a list or an object outright (not filtered out of any junk): bodies with dozens of
# fields draw hundreds of values per example, and filtering would discard most examples.
junk_objects = st.dictionaries(st.text(max_size=5), _nested, min_size=1, max_size=3)
junk = st.lists(_nested, min_size=1, max_size=3) | junk_objects
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
    st.dates(min_value=datetime(3000, 1, 1).date()),
).map(lambda d: d.isoformat())
#: For days that cannot be in the future (a birthday, a service done): tomorrow and later too.
future_dates = st.dates(min_value=(datetime.now(UTC) + timedelta(days=2)).date()).map(lambda d: d.isoformat())


def longer_than(limit: int) -> st.SearchStrategy[str]:
    """Text past a length limit (built, not drawn character by character, to stay cheap)."""
    return st.text(alphabet=string.ascii_letters, min_size=1, max_size=20).map(
        lambda t: t * (limit // len(t) + 1)
    )


def not_storable(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text with a NUL or a lone surrogate somewhere."""
    bad = st.sampled_from(["\x00", "\ud800", "\udfff"])
    return st.tuples(st.text(max_size=max_size), bad, st.text(max_size=max_size)).map("".join)


def hostile(schema: dict[str, Any], *, in_body: bool = True) -> list[st.SearchStrategy[Any]]:
    """Kinds of value this field must refuse, whatever the rest of the request holds.

    Outside a body (query parameters) every value is text, so JSON types are sent as text.
    """
    inner = value_schema(schema)
    kind = inner.get("type")
    pattern = inner.get("pattern", "")
    options: list[st.SearchStrategy[Any]] = [huge_numbers, floats]
    if in_body:  # a list of junk could be a valid list of strings: lists get only objects
        options.append(junk_objects if kind == "array" else junk)
        if not nullable(schema) and "default" not in schema:
            options.append(st.none())
    if kind == "string" or "enum" in inner:
        options.append(not_storable())
        if in_body:
            options.append(st.booleans())
        limit = inner.get("maxLength", 10_000)
        options.append(longer_than(limit))
        if "enum" in inner:
            options.append(st.text(max_size=20).filter(lambda v: v not in inner["enum"]))
        if pattern and re.search(pattern, "1") and not re.search(pattern, "x y"):  # codes, ids, numbers
            options.append(other_digits)
        if pattern.startswith(("^[0-9]", "^-?[0-9]", "^-?(0")):  # decimal strings
            options += [huge_numbers.map(str), st.sampled_from(["NaN", "1e3", "-0x1", " 1", "１０００"])]
        if inner.get("format") == "date-time":
            options.append(extreme_times)
        if inner.get("format") == "date":
            options.append(extreme_dates)
            if "to today" in inner.get("description", "") + schema.get("description", ""):
                options.append(future_dates)
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
        not_bools = ["maybe", "２", "truee", "null", "[]"]
        options.append(st.sampled_from(["true", "1", "yes", 1, 0] if in_body else not_bools))
    elif kind == "array":
        item = st.one_of(hostile(resolve(inner["items"])))
        options += [st.lists(item, min_size=1, max_size=3), st.text(max_size=5)]
        if "maxItems" in inner:
            options.append(st.just(["x"] * (inner["maxItems"] + 1)))
    elif kind == "object" or "properties" in inner:
        options += [st.text(max_size=5), st.just([])]
    return (
        options if in_body else [o.map(lambda v: v if isinstance(v, str) else json.dumps(v)) for o in options]
    )


PARAMETER_HOSTILE: dict[str, list[st.SearchStrategy[str]]] = {
    "header": [
        st.sampled_from(["", " ", "a b", "tab\there", "é".encode().decode("latin-1")]),
        longer_than(255),
    ],
    "path": [
        longer_than(64),
        other_digits,
        st.sampled_from(["\x00", "..", " ", "cus_" + "9" * 26, "%", "x" * 41]),
    ],
}


def _sendable(text: str) -> str:
    """URLs carry UTF-8, which has no lone surrogates: a NUL stands in for each (still hostile).

    Mapped rather than filtered: filtering drops most examples of an operation with many
    text parameters (`GET /v1/customers`), and Hypothesis then gives up."""
    return "".join("\x00" if "\ud800" <= c <= "\udfff" else c for c in text)


def parameter_hostile(parameter: dict[str, Any]) -> list[st.SearchStrategy[str]]:
    if parameter["in"] in PARAMETER_HOSTILE:
        return PARAMETER_HOSTILE[parameter["in"]]
    return [kind.map(_sendable) for kind in hostile(parameter["schema"], in_body=False)]


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
    redeemed = await client.post(
        f"/v1/customers/{member['id']}/points/redemptions", json={"points": "1.00"}, headers=admin
    )
    assert redeemed.status_code == 201, redeemed.text
    return {
        "checksum": await database_checksum(app),
        "customer_id": member["id"],
        "transaction_id": posted.json()["id"],
        "code": "maintenance",
        "key_id": key.json()["id"],
        "entry_id": redeemed.json()["entry"]["id"],
    }


def example_body(op: dict[str, Any], world: dict[str, str]) -> Any:
    schema = resolve(op["requestBody"]["content"]["application/json"]["schema"])
    body = copy.deepcopy(schema["examples"][0])
    if isinstance(body, dict) and "customer_id" in body:
        body["customer_id"] = world["customer_id"]
    return body


def field_path_exists(body: Any, path: Path) -> bool:
    target = body
    for part in path:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return False
    return True


class HostileRequest(NamedTuple):
    url: str
    query: dict[str, str]
    headers: dict[str, Any]
    content: str | None
    named: str  # the field the 422 must name ("" when it cannot)


def targets(op: dict[str, Any]) -> list[tuple[str, Any, list[st.SearchStrategy[Any]]]]:
    """Each parameter and body field of an operation, with the kinds of hostile value it gets."""
    found: list[tuple[str, Any, list[st.SearchStrategy[Any]]]] = [
        ("param", p["name"], parameter_hostile(p)) for p in op.get("parameters", [])
    ]
    if "requestBody" in op:
        fields = body_fields(op["requestBody"]["content"]["application/json"]["schema"])
        found += [("body", path, hostile(schema)) for path, schema in fields]
        found += [("repeat", path, [st.just(None)]) for path, _ in fields if isinstance(path[-1], str)]
    return found


def hostile_request(
    op: dict[str, Any],
    path: str,
    world: dict[str, str],
    auth: dict[str, str],
    where: str,
    target: Any,
    value: Any,
) -> HostileRequest:
    """The operation's example request with one parameter or body field made hostile."""
    parameters = {p["name"]: p for p in op.get("parameters", [])}
    body = example_body(op, world) if "requestBody" in op else None
    # An object the world lacks gets an id that names nothing: the request must still be refused.
    path_values = {
        name: world.get(name, f"nope_{name}") for name, p in parameters.items() if p["in"] == "path"
    }
    query: dict[str, str] = {}
    headers: dict[str, Any] = {**auth, "Content-Type": "application/json"}
    content = None if body is None else dumps(body)
    if where == "param":
        named = "" if "\x00" in value else target  # a NUL in the URL is refused before routing
        if parameters[target]["in"] == "path":
            # `.` and `..` encoded, or the client would resolve them into another path
            path_values[target] = quote(value, safe="").replace(".", "%2E")
        elif parameters[target]["in"] == "query":
            query[target] = value
        else:
            headers[target] = value.encode("latin-1")
    elif where == "body":
        content, named = dumps(put_at(body, target, value)), field_name(target)
    else:
        present = body if field_path_exists(body, target) else put_at(body, target, "x")
        content, named = dumps(present, target), field_name(target)
    url = path
    for name, text in path_values.items():
        url = url.replace("{" + name + "}", text)
    return HostileRequest(url, query, headers, content, named)


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS])
@settings(
    max_examples=3,
    deadline=None,
    phases=[
        Phase.explicit,
        Phase.reuse,
        Phase.generate,
    ],  # each example sends hundreds of requests: no shrinking
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
    """Every kind of hostile value for every field, each in a request of its own."""
    for where, target, kinds in targets(op):
        for kind in kinds:
            value = data.draw(kind, label=f"{where} {field_name(target) if where != 'param' else target}")
            request = hostile_request(op, path, world, admin, where, target, value)
            response = await client.request(
                method, request.url, params=request.query, content=request.content, headers=request.headers
            )
            sent = (where, target, value, response.text)
            assert response.status_code < 500, sent
            if method == "GET":  # a read may find a strange filter valid; a write must refuse it
                continue
            assert 400 <= response.status_code < 500, sent
            if response.status_code == 422 and request.named:
                fields = [e["field"] for e in response.json()["errors"]]
                named = request.named
                assert any(f == named or f.startswith((named + ".", named + "[")) for f in fields), (
                    named,
                    response.json(),
                )
    assert await database_checksum(app) == world["checksum"]
