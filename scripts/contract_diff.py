"""Breaking changes between two OpenAPI contracts, refused unless openapi/CHANGELOG.md lists them.

    python scripts/contract_diff.py BASE.json NEW.json [--changelog openapi/CHANGELOG.md]

Why our own comparator: the maintained diff tools are a Go binary (oasdiff, not installable
here) or do not read OpenAPI 3.1 (npm openapi-diff); this one knows the few shapes our
contract uses ($ref, anyOf with null, enums, string bounds) and nothing else. A change breaks a
client when the server accepts less than before (a removed operation or parameter, a new
required field, a narrowed type, enum or bound) or answers something a client did not expect
(a removed or newly optional response field, a widened enum or type in a response).

Each finding has a stable key, e.g. `POST /v1/customers request tags[].maxLength`; the check
passes when every key appears in the changelog (in backticks, anywhere in the file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

Schema = dict[str, Any]
METHODS = ("get", "put", "post", "patch", "delete")


class Diff:
    def __init__(self, base: Schema, new: Schema) -> None:
        self.base, self.new = base, new
        self.found: list[str] = []

    def resolve(self, doc: Schema, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = doc
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def breaking(self) -> list[str]:
        for path, ops in self.base.get("paths", {}).items():
            for method in METHODS:
                if method in ops:
                    self.operation(f"{method.upper()} {path}", ops[method], self.new["paths"].get(path, {}))
        return self.found

    def operation(self, where: str, old: Schema, new_ops: Schema) -> None:
        new = new_ops.get(where.split(" ")[0].lower())
        if new is None:
            self.found.append(f"{where} removed")
            return
        old_params = {
            (p["in"], p["name"]): p
            for p in map(lambda p: self.resolve(self.base, p), old.get("parameters", []))
        }
        for p in (self.resolve(self.new, p) for p in new.get("parameters", [])):
            key = (p["in"], p["name"])
            label = f"{where} parameter {p['name']}"
            if key not in old_params:
                if p.get("required"):
                    self.found.append(f"{label} added as required")
                continue
            if p.get("required") and not old_params[key].get("required"):
                self.found.append(f"{label} became required")
            old_schema = old_params.pop(key).get("schema", {})
            self.request(label, without_null(old_schema), without_null(p.get("schema", {})))
        for _, name in old_params:
            self.found.append(f"{where} parameter {name} removed")
        old_body = self.body(self.base, old.get("requestBody"))
        new_body = self.body(self.new, new.get("requestBody"))
        if new_body is not None:
            if old_body is None:
                self.found.append(f"{where} request body added")
            else:
                self.request(f"{where} request", old_body, new_body)
        for status, response in old.get("responses", {}).items():
            if status.startswith("2"):
                self.response_status(
                    f"{where} response {status}", response, new.get("responses", {}).get(status)
                )

    def body(self, doc: Schema, body: Any) -> Schema | None:
        body = self.resolve(doc, body)
        if not body:
            return None
        return next(iter(body.get("content", {}).values()), {}).get("schema", {})

    def response_status(self, where: str, old: Schema, new: Any) -> None:
        if new is None:
            self.found.append(f"{where} removed")
            return
        old_schema = self.body(self.base, old)
        new_schema = self.body(self.new, new)
        if old_schema is not None:
            self.response(where, old_schema, new_schema or {})

    # A request schema may widen but never narrow.
    def request(self, where: str, old: Any, new: Any, depth: int = 0) -> None:
        old, new = self.resolve(self.base, old), self.resolve(self.new, new)
        if depth > 8 or not isinstance(old, dict) or not isinstance(new, dict):
            return
        old_types, new_types = types(self.base, old), types(self.new, new)
        if old_types and new_types and not old_types <= new_types:
            self.found.append(f"{where} type narrowed to {'|'.join(sorted(new_types))}")
        o, n = branch(self.base, old), branch(self.new, new)
        if "enum" in n and set(o.get("enum", n["enum"])) - set(n["enum"]):
            self.found.append(f"{where} enum narrowed")
        for bound, tighter in (
            ("maxLength", min),
            ("maxItems", min),
            ("maximum", min),
            ("minLength", max),
            ("minimum", max),
        ):
            if bound in n and (bound not in o or tighter(o[bound], n[bound]) == n[bound] != o[bound]):
                self.found.append(f"{where}.{bound}")
        if n.get("pattern") and n.get("pattern") != o.get("pattern"):
            self.found.append(f"{where}.pattern")
        for name in set(n.get("required", [])) - set(o.get("required", [])):
            self.found.append(f"{where} {name} became required")
        if o.get("additionalProperties") is not False and n.get("additionalProperties") is False:
            self.found.append(f"{where} closed to unknown properties")
        for name, sub in n.get("properties", {}).items():
            if name in o.get("properties", {}):
                self.request(f"{where} {name}", o["properties"][name], sub, depth + 1)
        if "items" in o and "items" in n:
            self.request(f"{where}[]", o["items"], n["items"], depth + 1)

    # A response schema may narrow but never widen or drop what it promised.
    def response(self, where: str, old: Any, new: Any, depth: int = 0) -> None:
        old, new = self.resolve(self.base, old), self.resolve(self.new, new)
        if depth > 8 or not isinstance(old, dict) or not isinstance(new, dict):
            return
        old_types, new_types = types(self.base, old), types(self.new, new)
        if old_types and new_types and not new_types <= old_types:
            self.found.append(f"{where} type widened to {'|'.join(sorted(new_types))}")
        o, n = branch(self.base, old), branch(self.new, new)
        if "enum" in o and set(n.get("enum", o["enum"])) - set(o["enum"]):
            self.found.append(f"{where} enum widened")
        for name in o.get("properties", {}):
            if name not in n.get("properties", {}):
                self.found.append(f"{where} {name} removed")
            elif name in o.get("required", []) and name not in n.get("required", []):
                self.found.append(f"{where} {name} no longer required")
            else:
                self.response(f"{where} {name}", o["properties"][name], n["properties"][name], depth + 1)
        if "items" in o and "items" in n:
            self.response(f"{where}[]", o["items"], n["items"], depth + 1)


def without_null(schema: Schema) -> Schema:
    """A parameter is absent or a string on the wire, never JSON null: drop a null variant."""
    variants = [v for v in schema.get("anyOf", []) if v.get("type") != "null"]
    return variants[0] if len(variants) == 1 else schema


def branch(doc: Schema, schema: Schema) -> Schema:
    """The non-null variant of `anyOf [T, null]`, or the schema itself."""
    variants = [v for v in schema.get("anyOf", []) if v.get("type") != "null"]
    if len(variants) == 1:
        resolved = variants[0]
        while "$ref" in resolved:
            target: Any = doc
            for part in resolved["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            resolved = target
        return resolved
    return schema


def types(doc: Schema, schema: Schema) -> set[str]:
    """The JSON types a schema admits (empty when it says nothing about type)."""
    if "anyOf" in schema:
        found: set[str] = set()
        for variant in schema["anyOf"]:
            inner = types(doc, branch(doc, {"anyOf": [variant]}) if "$ref" in variant else variant)
            if not inner:
                return set()
            found |= inner
        return found
    kind = schema.get("type")
    if kind is None and "enum" in schema:
        return {"string"}
    return {kind} if isinstance(kind, str) else set(kind or [])


def unlisted(found: list[str], changelog: str) -> list[str]:
    return [key for key in found if f"`{key}`" not in changelog]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--changelog", type=Path, default=Path("openapi/CHANGELOG.md"))
    args = parser.parse_args(argv)
    found = Diff(json.loads(args.base.read_text()), json.loads(args.new.read_text())).breaking()
    changelog = args.changelog.read_text() if args.changelog.exists() else ""
    missing = unlisted(found, changelog)
    for key in found:
        print(f"{'UNLISTED' if key in missing else 'listed  '}  {key}")
    if missing:
        print(f"{len(missing)} breaking change(s) not in {args.changelog}: add each key in backticks")
        return 1
    print(f"no unlisted breaking change ({len(found)} listed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
