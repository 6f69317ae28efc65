"""Wire types: money, points and rates travel as decimal strings, never JSON numbers.

Pydantic would turn a JSON float into an inexact Decimal, so a number is refused with a
clear message; the JSON Schema says `type: string` with a pattern so generated clients
keep them as strings too. Digits are ASCII `[0-9]`: Python's `\\d` would also take
full-width or Arabic-Indic digits, which `Decimal` reads but the contract does not allow.
Timestamps and dates are bounded so every accepted value fits every database.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_validator,
)
from sqlmodel import SQLModel

from app.settings import get_settings


def _parser(pattern: str, example: str) -> PlainValidator:
    compiled = re.compile(pattern)

    def parse(value: Any) -> Decimal:
        if isinstance(value, Decimal):
            return value
        if not isinstance(value, str):
            raise ValueError(
                f'must be a decimal string such as "{example}", not a JSON {type(value).__name__}'
            )
        if not compiled.fullmatch(value):
            raise ValueError(f'must be a decimal string such as "{example}" (pattern {pattern})')
        return Decimal(value)

    return PlainValidator(parse)


def _money_text(value: Decimal) -> str:
    return f"{value:.2f}"


def _rate_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


MONEY_IN = r"[0-9]{1,10}(\.[0-9]{1,2})?"
SIGNED_MONEY_IN = r"-?[0-9]{1,10}(\.[0-9]{1,2})?"
RATE_IN = r"-?[0-9](\.[0-9]{1,4})?"
WEIGHT_IN = r"[0-9](\.[0-9]{1,4})?"
MARGIN_IN = r"-?(0(\.[0-9]{1,4})?|1(\.0{1,4})?)"

#: A non-negative amount of money or points in a request, at most 2 places.
MoneyIn = Annotated[
    Decimal,
    _parser(MONEY_IN, "1000.00"),
    PlainSerializer(_money_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "maxLength": 13, "pattern": f"^{MONEY_IN}$", "examples": ["1000.00"]}),
]
#: A signed amount of points in a request (adjustments).
SignedPointsIn = Annotated[
    Decimal,
    _parser(SIGNED_MONEY_IN, "-150.00"),
    PlainSerializer(_money_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "maxLength": 14, "pattern": f"^{SIGNED_MONEY_IN}$", "examples": ["-150.00"]}
    ),
]
#: A rate, margin, share or weight in a request, at most 4 places.
RateIn = Annotated[
    Decimal,
    _parser(RATE_IN, "0.35"),
    PlainSerializer(_rate_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "maxLength": 7, "pattern": f"^{RATE_IN}$", "examples": ["0.35"]}),
]
#: A points weight in a request: 0 or more, below 10, at most 4 places.
WeightIn = Annotated[
    Decimal,
    _parser(WEIGHT_IN, "1.5"),
    PlainSerializer(_rate_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "maxLength": 6, "pattern": f"^{WEIGHT_IN}$", "examples": ["1.5"]}),
]
#: A margin in [-1, 1], at most 4 places.
MarginIn = Annotated[
    Decimal,
    _parser(MARGIN_IN, "0.35"),
    PlainSerializer(_rate_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "maxLength": 7, "pattern": f"^{MARGIN_IN}$", "examples": ["0.35"]}),
]
#: Money or points in a response: always 2 places.
Money = Annotated[
    Decimal,
    PlainSerializer(_money_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "examples": ["1216.00"]}),
]
#: A rate in a response, without trailing zeros ("0.05", "0.8").
Rate = Annotated[
    Decimal,
    PlainSerializer(_rate_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "examples": ["0.05"]}),
]


#: A calendar date as ISO 8601 text: `YYYY-MM-DD`.
DATE_IN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
#: A timestamp as RFC 3339 text, with its UTC offset (`Z` or `±hh:mm`).
TIMESTAMP_IN = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_DATE_TEXT = re.compile(DATE_IN)
_TIMESTAMP_TEXT = re.compile(TIMESTAMP_IN)


def _date_text(value: Any) -> Any:
    """Only `YYYY-MM-DD` text: pydantic would read a number, or a numeric string such as
    "-0", as seconds since the epoch."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE_TEXT.fullmatch(value):
        raise ValueError('must be an ISO 8601 date such as "2027-04-12"')
    return value


def _timestamp_text(value: Any) -> Any:
    """Only RFC 3339 text with an offset, for the same reason as `_date_text`."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _TIMESTAMP_TEXT.fullmatch(value):
        raise ValueError('must be an RFC 3339 timestamp with an offset such as "2026-11-22T10:00:00+08:00"')
    return value


EARLIEST_DATE = date(1900, 1, 1)
EARLIEST_TIMESTAMP = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_TIMESTAMP = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
#: Purchases before this are refused as typing errors (no dealer system predates it).
EARLIEST_PURCHASE = datetime(2000, 1, 1, tzinfo=UTC)


def storable_timestamp(value: datetime) -> datetime:
    """Within 1900–2999 UTC, so it fits every database and converts without overflow."""
    # Comparing aware datetimes never overflows; converting year 1 or 9999 to UTC can.
    if not EARLIEST_TIMESTAMP <= value <= LATEST_TIMESTAMP:
        raise ValueError("must be between 1900-01-01 and 2999-12-31 (UTC)")
    return value


LATEST_DATE = date(2999, 12, 31)


def _past_birthday(value: date) -> date:
    if not EARLIEST_DATE <= value <= datetime.now(UTC).date():
        raise ValueError("must be between 1900-01-01 and today")
    return value


def _past_date(value: date) -> date:
    # A day of grace: the caller's "today" may already be tomorrow in UTC.
    if not EARLIEST_DATE <= value <= datetime.now(UTC).date() + timedelta(days=1):
        raise ValueError("must be between 1900-01-01 and today")
    return value


def _calendar_date(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError("must be between 1900-01-01 and 2999-12-31")
    return value


def _occurred(value: datetime) -> datetime:
    skew = timedelta(seconds=get_settings().max_clock_skew_seconds)
    if value < EARLIEST_PURCHASE:
        raise ValueError("must be 2000-01-01 or later")
    if value > datetime.now(UTC) + skew:
        raise ValueError(f"must not be more than {int(skew.total_seconds())} seconds in the future")
    return value


#: A calendar date in a request ("2027-04-12"), 1900–2999: a follow-up, a due date.
DateIn = Annotated[
    date,
    BeforeValidator(_date_text),
    AfterValidator(_calendar_date),
    Field(description="From 1900-01-01 to 2999-12-31."),
]
#: A day something happened (a service, a reading, a purchase): from 1900-01-01 to today.
PastDate = Annotated[
    date,
    BeforeValidator(_date_text),
    AfterValidator(_past_date),
    Field(description="From 1900-01-01 to today."),
]
#: A birthday: from 1900-01-01 to today.
Birthday = Annotated[
    date,
    BeforeValidator(_date_text),
    AfterValidator(_past_birthday),
    Field(description="From 1900-01-01 to today."),
]
#: A timestamp with its UTC offset in a request ("2026-11-22T10:00:00+08:00"), 1900–2999.
TimestampIn = Annotated[AwareDatetime, BeforeValidator(_timestamp_text), AfterValidator(storable_timestamp)]
#: When a purchase happened: from 2000-01-01 to the server's clock plus the allowed skew.
OccurredAt = Annotated[
    AwareDatetime,
    BeforeValidator(_timestamp_text),
    AfterValidator(_occurred),
    Field(
        description="RFC 3339 with an offset; from 2000-01-01 to at most `CRM_MAX_CLOCK_SKEW_SECONDS` "
        "(default one day) ahead of the server's clock."
    ),
]


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain the NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    elif isinstance(value, list):
        for item in value:
            _storable(item)
    return value


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def not_null(description: str | None = None) -> Any:
    """An optional field that may be left out but never sent as null (PATCH bodies).

    The contract shows neither a null type nor a null default for it.
    """
    return Field(default=None, description=description, json_schema_extra=_no_default)


class RequestModel(SQLModel):
    """Base of every request body: unknown fields refused, text storable in any database."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_storable(cls, value: Any) -> Any:
        return _storable(value)
