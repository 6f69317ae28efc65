"""Dates a record says something happened on: never later than tomorrow (UTC).

One day of slack lets a store east of UTC (China is +08:00) record today's work before
UTC midnight; anything later is a plan, not a record.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.domain.errors import InvalidInput


def happened_on(value: date | None, field: str, now: datetime) -> date:
    """`value` (today when None), refused with 422 naming `field` when it lies in the future."""
    if value is None:
        return now.date()
    if value > now.date() + timedelta(days=1):
        raise InvalidInput.at(field, "may not be in the future")
    return value
