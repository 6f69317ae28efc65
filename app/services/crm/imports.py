"""CSV imports of members and purchases: validate every row first, then all or nothing.

Rows are checked with the request models of the API (`CustomerCreate`, `TransactionCreate`),
so a file accepts exactly what the API accepts. Re-importing a file adds nothing: a member
whose `external_ref` exists is skipped, and so is a receipt `(store_id, external_id)` already
posted. Purchases go through `post_purchase`, the API's own posting, in order of occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import DomainError
from app.models.loyalty.customers import CustomerCreate
from app.models.loyalty.purchases import TransactionCreate, TransactionLineIn
from app.repositories.loyalty import customers as customers_repo
from app.repositories.loyalty import purchases as purchases_repo
from app.services.crm.csv_rows import ImportRefused, RowProblem, read_rows
from app.services.crm.exports import CUSTOMER_COLUMNS
from app.services.integration.api_keys import Principal
from app.services.loyalty.customers import create_customer
from app.services.loyalty.transactions import post_purchase

M = TypeVar("M", bound=BaseModel)
Progress = Callable[[int, int], None]
Row = tuple[int, dict[str, str]]
IMPORTER = Principal(key_id="csv-import", name="crm import", scopes=frozenset({"admin"}), store_id=None)
CUSTOMER_FIELDS = set(CustomerCreate.model_fields)
LINE_FIELDS = {"service_type", "description", "amount", "margin", "cost"}
TRANSACTION_COLUMNS = {"customer_ref", "customer_id", "store_id", "external_id", "occurred_at"} | LINE_FIELDS


@dataclass
class ImportResult:
    added: int = 0
    skipped: int = 0
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class _Receipt:
    lines: list[int]
    header: dict[str, str]
    items: list[TransactionLineIn]
    occurred_at: datetime | None = None


def _fields(raw: dict[str, str], keep: set[str]) -> dict[str, Any]:
    """The row's non-empty cells among `keep`; tags are separated by `;`."""
    values: dict[str, Any] = {k: v for k, v in raw.items() if k in keep and v != ""}
    if "tags" in values:
        values["tags"] = [t.strip() for t in values["tags"].split(";") if t.strip()]
    return values


def _validate(model: type[M], values: dict[str, Any], line: int, out: list[RowProblem]) -> M | None:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        for e in exc.errors():
            message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
            where = ".".join(str(part) for part in e["loc"])
            out.append(RowProblem(line, where or "row", message))
        return None


def _domain_problems(exc: DomainError, line: int) -> list[RowProblem]:
    fields = [(p.field, p.message) for p in exc.errors] or [(exc.extra.get("field", "row"), exc.detail)]
    return [RowProblem(line, f, m) for f, m in fields]


_LINE_FIELD = re.compile(r"lines\[(\d+)\]\.(\w+)")


def _receipt_problems(exc: DomainError, receipt: _Receipt) -> list[RowProblem]:
    """A refusal of a posting, put on the row of the line it names (`lines[1].service_type`)."""
    problems = []
    for problem in _domain_problems(exc, receipt.lines[0]):
        named = _LINE_FIELD.fullmatch(problem.field)
        on_row = named is not None and int(named[1]) < len(receipt.lines)
        problems.append(
            RowProblem(receipt.lines[int(named[1])], named[2], problem.message)
            if named and on_row
            else problem
        )
    return problems


async def import_customers(
    session: AsyncSession, rows: list[Row], progress: Progress, now: datetime
) -> ImportResult:
    """Create the members of `rows`; members whose external_ref exists are skipped."""
    result = ImportResult()
    bodies: list[tuple[int, CustomerCreate]] = []
    seen: dict[str, int] = {}
    for line, raw in rows:
        body = _validate(CustomerCreate, _fields(raw, CUSTOMER_FIELDS), line, result.problems)
        if body is None:
            continue
        if not body.external_ref:
            result.problems.append(
                RowProblem(line, "external_ref", "is required to import (it makes re-runs safe)")
            )
        elif body.external_ref in seen:
            result.problems.append(
                RowProblem(line, "external_ref", f"repeats line {seen[body.external_ref]}")
            )
        else:
            seen[body.external_ref] = line
            bodies.append((line, body))
    if result.problems:
        raise ImportRefused(result.problems)
    for done, (line, body) in enumerate(bodies, start=1):
        found = await customers_repo.find_duplicate(
            session, phone=None, email=None, external_ref=body.external_ref, exclude_id=None
        )
        if found:
            result.skipped += 1
        else:
            try:
                await create_customer(session, IMPORTER, body, allow_duplicate=False, now=now)
                result.added += 1
            except DomainError as exc:
                result.problems += _domain_problems(exc, line)
        progress(done, len(bodies))
    if result.problems:
        raise ImportRefused(result.problems)
    return result


def _receipts(rows: list[Row], problems: list[RowProblem]) -> dict[tuple[str, str], _Receipt]:
    """Rows grouped by receipt (store_id, external_id); each row is one line of its purchase."""
    receipts: dict[tuple[str, str], _Receipt] = {}
    for line, raw in rows:
        header = {
            k: raw.get(k, "")
            for k in ("customer_ref", "customer_id", "store_id", "external_id", "occurred_at")
        }
        if bool(header["customer_ref"]) == bool(header["customer_id"]):
            problems.append(
                RowProblem(
                    line, "customer_ref", "give customer_ref (the member's external_ref) or customer_id"
                )
            )
        item = _validate(TransactionLineIn, _fields(raw, LINE_FIELDS), line, problems)
        key = (header["store_id"], header["external_id"])
        receipt = receipts.setdefault(key, _Receipt([], header, []))
        if receipt.header != header:
            problems.append(
                RowProblem(line, "external_id", f"differs from line {receipt.lines[0]} of the same receipt")
            )
        receipt.lines.append(line)
        if item is not None:
            receipt.items.append(item)
    for receipt in receipts.values():
        if len(receipt.items) != len(receipt.lines):
            continue  # its bad lines are reported already
        h = receipt.header
        probe: dict[str, Any] = {
            "customer_id": h["customer_id"] or "by_ref",  # resolved later, from the database
            "store_id": h["store_id"],
            "external_id": h["external_id"],
            "lines": [i.model_dump() for i in receipt.items],
        }
        if h["occurred_at"]:
            probe["occurred_at"] = h["occurred_at"]
        checked = _validate(TransactionCreate, probe, receipt.lines[0], problems)
        receipt.occurred_at = checked.occurred_at if checked else None
    return receipts


async def import_transactions(
    session: AsyncSession, rows: list[Row], progress: Progress, now: datetime
) -> ImportResult:
    """Post the purchases of `rows` (oldest first); receipts already posted are skipped."""
    result = ImportResult()
    receipts = _receipts(rows, result.problems)
    if result.problems:
        raise ImportRefused(result.problems)
    ordered = sorted(receipts.items(), key=lambda kv: (kv[1].occurred_at or now, kv[1].lines[0]))
    for done, ((store_id, external_id), receipt) in enumerate(ordered, start=1):
        progress(done, len(ordered))
        line, h = receipt.lines[0], receipt.header
        if await purchases_repo.find_receipt(session, store_id, external_id):
            result.skipped += 1
            continue
        customer_id = h["customer_id"]
        if h["customer_ref"]:
            found = await customers_repo.find_duplicate(
                session, phone=None, email=None, external_ref=h["customer_ref"], exclude_id=None
            )
            if found is None:
                result.problems.append(
                    RowProblem(line, "customer_ref", f"no member has external_ref {h['customer_ref']}")
                )
                continue
            customer_id = found[0]
        body = TransactionCreate(
            customer_id=customer_id, store_id=store_id, external_id=external_id,
            occurred_at=receipt.occurred_at, lines=receipt.items,
        )  # fmt: skip
        try:
            await post_purchase(session, IMPORTER, body, now)
            result.added += 1
        except DomainError as exc:
            result.problems += _receipt_problems(exc, receipt)
    if result.problems:
        raise ImportRefused(result.problems)
    return result


def customer_rows(text: str) -> list[Row]:
    """The rows of a members file; the figures an export adds (id, tier, balance…) are ignored."""
    return read_rows(text, CUSTOMER_FIELDS | set(CUSTOMER_COLUMNS), {"name", "external_ref"})


def transaction_rows(text: str) -> list[Row]:
    return read_rows(text, TRANSACTION_COLUMNS, {"store_id", "external_id", "service_type", "amount"})
