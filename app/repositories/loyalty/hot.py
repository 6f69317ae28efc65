"""The hot paths' statements on a raw asyncpg connection (see `app.db.raw`).

Exists only for speed: the same reads as `customers.get_with_version` and
`purchases.sold_at`, prepared once per connection by asyncpg, with no ORM in between.
Money columns come back as integer hundredths and leave here as `Decimal`s, as `Cents` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from app.repositories.loyalty.catalogue import SETTINGS_ID

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
