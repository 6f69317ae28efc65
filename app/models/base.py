"""Shared column types and the metadata naming convention.

Money and points are stored as integer hundredths and rates as integer ten-thousandths:
SQLAlchemy's Numeric goes through float on SQLite, integers are exact everywhere.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, MetaData
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata
metadata.naming_convention = NAMING_CONVENTION


class ScaledDecimal(TypeDecorator[Decimal]):
    """A Decimal with a fixed number of places, stored as an exact integer."""

    impl = BigInteger
    cache_ok = True
    scale = 2

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value).scaleb(self.scale)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale)


class Cents(ScaledDecimal):
    """Money or points: 2 places, stored in hundredths."""

    cache_ok = True
    scale = 2


class Basis(ScaledDecimal):
    """A rate, margin, share or weight: 4 places, stored in ten-thousandths."""

    impl = Integer  # type: ignore[assignment]
    cache_ok = True
    scale = 4


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps on every backend (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        utc: datetime = value.astimezone(UTC)
        return utc if dialect.name != "sqlite" else utc.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(prefix: str) -> str:
    """An opaque, non-sequential id that still sorts by creation time (ULID layout)."""
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


def utcnow() -> datetime:
    return datetime.now(UTC)
