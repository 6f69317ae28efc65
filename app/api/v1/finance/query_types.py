"""Dates and instants in query strings, read strictly.

Pydantic reads a query string such as `0.5` as an epoch timestamp; a report or a filter
must refuse it, so these parameters are strings with a pattern, parsed here into values.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Query

from app.domain.errors import InvalidInput
from app.models.types import storable_timestamp

DAY = r"^\d{4}-\d{2}-\d{2}$"
INSTANT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"
_DATE = {"format": "date"}
_INSTANT = {"format": "date-time"}

FromDay = Annotated[
    str, Query(alias="from", pattern=DAY, description="First day (UTC), included.", json_schema_extra=_DATE)
]
ToDay = Annotated[
    str,
    Query(
        alias="to",
        pattern=DAY,
        description="Last day (UTC), included; ≤ 5 years on.",
        json_schema_extra=_DATE,
    ),
]
Since = Annotated[
    str | None,
    Query(pattern=INSTANT, max_length=40, description="At or after (RFC 3339).", json_schema_extra=_INSTANT),
]
Until = Annotated[
    str | None,
    Query(pattern=INSTANT, max_length=40, description="Before (RFC 3339).", json_schema_extra=_INSTANT),
]


def parse_day(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.at(name, "must be a calendar date (YYYY-MM-DD)") from None


def parse_instant(name: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return storable_timestamp(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError as exc:
        reason = "must be an RFC 3339 timestamp with an offset" if "between" not in str(exc) else str(exc)
        raise InvalidInput.at(name, reason) from None
