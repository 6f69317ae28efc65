"""The hot paths' statements on a raw asyncpg connection (see `app.db.raw`).

Exists only for speed: the same reads as `customers.get_with_version` and
`purchases.sold_at`, prepared once per connection by asyncpg, with no ORM in between.
Money columns come back as integer hundredths and leave here as `Decimal`s, as `Cents` does.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

import asyncpg
import orjson
from sqlalchemy import JSON, Table, TypeDecorator
from sqlalchemy.dialects import postgresql

from app.domain.finance.liability import Delta
from app.models.base import ScaledDecimal, UTCDateTime
from app.models.loyalty.customers import CustomerRecord
from app.repositories import tables
from app.repositories.finance.liability import RECORD_TEMPLATE, Observed, delta_params, observed
from app.repositories.loyalty.catalogue import _RULES_LOCK, SETTINGS_ID

_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]

_MEMBER = (
    "SELECT c.id, c.tier, c.lifetime_points, c.balance, c.store_id, c.sales_rep, "
    "(SELECT ps.catalogue_version FROM points_settings ps WHERE ps.id = $2) "
    "FROM customer c WHERE c.id = $1 AND c.deleted_at IS NULL"
)
_SOLD_AT = "SELECT EXISTS (SELECT 1 FROM purchase WHERE customer_id = $1 AND store_id = $2)"


@dataclass(frozen=True, slots=True)
class HotMember:
    """What a tier read needs of a live member, and the catalogue version of the same snapshot."""

    id: str
    tier: str
    lifetime_points: Decimal
    balance: Decimal
    store_id: str | None
    sales_rep: str | None
    catalogue_version: int


def cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


async def member(conn: asyncpg.Connection, customer_id: str) -> HotMember | None:
    row = await conn.fetchrow(_MEMBER, customer_id, SETTINGS_ID)
    if row is None:
        return None
    return HotMember(row[0], row[1], cents(row[2]), cents(row[3]), row[4], row[5], int(row[6]))


async def sold_at(conn: asyncpg.Connection, customer_id: str, store_id: str) -> bool:
    return bool(await conn.fetchval(_SOLD_AT, customer_id, store_id))


# --------------------------------------------------------------------------- posting
#
# A purchase in four round trips while the member's row is locked for as few as possible:
# BEGIN with the shared rules lock; the member locked with the versions and the store; one
# data-modifying statement writing every row (member totals, liability stripe, ledger
# entries, lots, purchase, lines, outbox events, idempotency record); COMMIT. Rows travel as
# one JSON document per table, in the columns' stored form (`Cents` as hundredths, …), so N
# ledger movements are N elements of one list.


class Contention(Exception):
    """A lost lock race (deadlock, serialization failure, lock timeout): try again."""


_RETRYABLE = {"40001", "40P01", "55P03"}


@asynccontextmanager
async def posting(conn: asyncpg.Connection) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """A transaction holding the rules shared (as `catalogue.hold_rules`); yields its commit.

    Rolled back unless committed; a lost lock race comes out as `Contention`.
    """
    await conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock_shared({_RULES_LOCK[0]}, {_RULES_LOCK[1]})")
    done = False

    async def commit() -> None:
        nonlocal done
        await conn.execute("COMMIT")
        done = True

    try:
        yield commit
    except asyncpg.PostgresError as exc:
        if getattr(exc, "sqlstate", None) in _RETRYABLE:
            raise Contention from exc
        raise
    finally:
        if not done and not conn.is_closed():
            with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError):
                await conn.execute("ROLLBACK")  # else the pool's release rolls back or drops it


_LOCK_MEMBER = (
    "WITH c AS (SELECT * FROM customer WHERE id = $1 AND deleted_at IS NULL FOR UPDATE) "
    "SELECT (SELECT active FROM store WHERE code = $2), "
    "(SELECT catalogue_version FROM points_settings WHERE id = $3), "
    "(SELECT version FROM webhook_state WHERE id = 1), c.* FROM (SELECT 1) one LEFT JOIN c ON true"
)


@dataclass(frozen=True, slots=True)
class Locked:
    store_active: bool | None  # None: no such store
    catalogue_version: int
    webhook_version: int
    member: CustomerRecord | None


async def lock_member(conn: asyncpg.Connection, customer_id: str, store_id: str) -> Locked:
    """The live member locked (`FOR UPDATE`), with the catalogue and webhook versions and the
    store's state, in one statement read after the rules lock."""
    row = await conn.fetchrow(_LOCK_MEMBER, customer_id, store_id, SETTINGS_ID)
    member = None
    if row["id"] is not None:
        member = CustomerRecord.model_validate(_from_db(tables.customer, list(row.items())[3:]))
    return Locked(row[0], int(row[1]), int(row[2] or 0), member)


_RECEIPT = "SELECT id FROM purchase WHERE store_id = $1 AND external_id = $2"


async def find_receipt(conn: asyncpg.Connection, store_id: str, external_id: str) -> str | None:
    found = await conn.fetchval(_RECEIPT, store_id, external_id)
    return str(found) if found else None


@dataclass(frozen=True)
class Posting:
    """Every row one purchase writes, as the ORM path would write them."""

    customer_id: str
    member_changes: dict[str, Any]
    stripe: int
    delta: Delta
    entries: list[dict[str, Any]]
    lots: list[dict[str, Any]]
    purchase: dict[str, Any]
    lines: list[dict[str, Any]]
    events: list[dict[str, Any]]
    idempotency: dict[str, Any] | None


@dataclass(frozen=True)
class Written:
    purchase_inserted: bool  # False: its receipt was already posted (nothing else counts then)
    idempotency_recorded: bool  # False: another request holds the key
    observed: Observed  # the liability read back with the stripe


async def write_posting(conn: asyncpg.Connection, p: Posting) -> Written:
    """Write the purchase's rows in one statement (inside `posting`)."""
    tables_rows = [
        ("e", tables.ledger_entry, p.entries, False),
        ("l", tables.points_lot, p.lots, False),
        ("pl", tables.purchase_line, p.lines, False),
        ("ev", tables.webhook_event, p.events, False),
        ("ik", tables.idempotency_record, [p.idempotency] if p.idempotency else [], True),
    ]
    shape = (
        tuple(p.member_changes),
        tuple(p.purchase),
        *(tuple(rows[0]) if rows else () for _, _, rows, _ in tables_rows),
    )
    sql = _posting_sql(shape)
    args: list[Any] = [
        p.customer_id,
        _json(tables.customer, [p.member_changes])[1:-1],
        p.stripe,
        *delta_params(p.delta),
        _json(tables.purchase, [p.purchase])[1:-1],
    ]
    args += [_json(table, rows) for _, table, rows, _ in tables_rows if rows]
    row = await conn.fetchrow(sql, *args)
    return Written(bool(row[0]), bool(row[1]) or p.idempotency is None, observed(row[2:]))


_posting_cache: dict[tuple[tuple[str, ...], ...], str] = {}


def _posting_sql(shape: tuple[tuple[str, ...], ...]) -> str:
    """The statement for rows of these columns (built once per shape)."""
    found = _posting_cache.get(shape)
    if found is not None:
        return found
    member_cols, purchase_cols, entry_cols, lot_cols, line_cols, event_cols, idem_cols = shape
    sets = ", ".join(f"{c} = r.{c}" for c in member_cols)
    parts = [
        f"m AS (UPDATE customer c SET {sets} FROM json_populate_record(NULL::customer, $2::json) r "  # noqa: S608 (column names from the models)
        "WHERE c.id = $1 RETURNING c.id)",
        "s AS ("
        + RECORD_TEMPLATE.format(stripe="$3", positive_points="$4", total_points="$5", positive_members="$6")
        + ")",
        _insert("p", "purchase", purchase_cols, "$7", single=True, conflict=True),
    ]
    n = 8
    checks = ["(SELECT count(*) FROM p)", "0"]
    for name, table, cols in (
        ("e", "ledger_entry", entry_cols),
        ("l", "points_lot", lot_cols),
        ("pl", "purchase_line", line_cols),
        ("ev", "webhook_event", event_cols),
        ("ik", "idempotency_record", idem_cols),
    ):
        if not cols:
            continue
        parts.append(_insert(name, table, cols, f"${n}", after_purchase=name != "ik", conflict=name == "ik"))
        if name == "ik":
            checks[1] = "(SELECT count(*) FROM ik)"
        n += 1
    sql = "WITH " + ",\n".join(parts) + f"\nSELECT {checks[0]}, {checks[1]}, s.* FROM s"
    _posting_cache[shape] = sql
    return sql


def _insert(
    name: str,
    table: str,
    cols: tuple[str, ...],
    param: str,
    *,
    single: bool = False,
    conflict: bool = False,
    after_purchase: bool = False,
) -> str:
    listed = ", ".join(cols)
    source = "json_populate_record" if single else "json_populate_recordset"
    rows = f"{source}(NULL::{table}, {param}::json) r"
    if after_purchase:  # nothing of a purchase whose receipt was already posted
        rows = f"p, {rows}"
    ignore = " ON CONFLICT DO NOTHING" if conflict else ""
    returning = " RETURNING id" if name == "p" else " RETURNING 1"
    select = ", ".join(f"r.{c}" for c in cols)
    # names from the models, never from input; every value is a parameter
    return f"{name} AS (INSERT INTO {table} ({listed}) SELECT {select} FROM {rows}{ignore}{returning})"  # noqa: S608


def _overrides(kind: Any, method: str) -> bool:
    return isinstance(kind, TypeDecorator) and getattr(type(kind), method) is not getattr(
        TypeDecorator, method
    )


def _to_db(kind: Any) -> Callable[[Any], Any] | None:
    """How a value of the column type is stored (`Cents`: hundredths); None: as it is."""
    if not _overrides(kind, "process_bind_param") or isinstance(kind, UTCDateTime):
        return None
    if isinstance(kind, ScaledDecimal):
        return _scaled(kind)

    def convert(value: Any) -> Any:
        return None if value is None else kind.process_bind_param(value, _DIALECT)

    return convert


def _scaled(kind: ScaledDecimal) -> Callable[[Any], int | None]:
    """`ScaledDecimal.process_bind_param` without its call layers (only for speed: 40 % of the time)."""
    places = kind.scale

    def convert(value: Any) -> int | None:
        if value is None:
            return None
        scaled = (value if type(value) is Decimal else Decimal(value)).scaleb(places)
        stored = int(scaled)
        if stored != scaled:
            return kind.process_bind_param(value, _DIALECT)  # refuses it, with the reason
        return stored

    return convert


def _from_db_type(kind: Any) -> Callable[[Any], Any] | None:
    """How a stored value of the column type comes back (`Cents` as `Decimal`, JSON decoded)."""
    if _overrides(kind, "process_result_value") and not isinstance(kind, UTCDateTime):
        return lambda value: kind.process_result_value(value, _DIALECT)
    if isinstance(kind, JSON):
        return lambda value: orjson.loads(value) if isinstance(value, str) else value
    return None


@cache
def _converters(table: Table, to_db: bool) -> dict[str, Callable[[Any], Any] | None]:
    make = _to_db if to_db else _from_db_type
    return {c.name: make(c.type) for c in table.columns}


def _json(table: Table, rows: list[dict[str, Any]]) -> str:
    """Rows as the JSON `json_populate_recordset` reads: each value in its column's stored form."""
    converters = _converters(table, True)
    out = [
        {key: value if (convert := converters[key]) is None else convert(value) for key, value in row.items()}
        for row in rows
    ]
    return orjson.dumps(out, default=_default).decode()


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON")


def _from_db(table: Table, items: list[tuple[str, Any]]) -> dict[str, Any]:
    """A row as the ORM hands it back (`Cents` as `Decimal`, JSON decoded)."""
    converters = _converters(table, False)
    out: dict[str, Any] = {}
    for key, value in items:
        convert = converters[key]
        out[key] = convert(value) if convert is not None and value is not None else value
    return out
