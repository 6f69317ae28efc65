"""Wire types: money, points and rates travel as decimal strings, never JSON numbers.

Pydantic would turn a JSON float into an inexact Decimal, so a number is refused with a
clear message; the JSON Schema says `type: string` with a pattern so generated clients
keep them as strings too.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from sqlmodel import SQLModel


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


MONEY_IN = r"\d{1,10}(\.\d{1,2})?"
SIGNED_MONEY_IN = r"-?\d{1,10}(\.\d{1,2})?"
RATE_IN = r"-?\d(\.\d{1,4})?"
MARGIN_IN = r"-?(0(\.\d{1,4})?|1(\.0{1,4})?)"

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
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["1216.00"]}),
]
#: A rate in a response, without trailing zeros ("0.05", "0.8").
Rate = Annotated[
    Decimal,
    PlainSerializer(_rate_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["0.05"]}),
]


def _text_only(value: Any) -> Any:
    """JSON carries dates as strings; refuse the numbers pydantic would read as epoch seconds."""
    if isinstance(value, int | float):
        raise ValueError("must be an ISO 8601 string")
    return value


#: A free-text label such as a member tag.
Label = Annotated[str, StringConstraints(max_length=64)]

#: A calendar date in a request ("1985-04-12").
DateIn = Annotated[date, BeforeValidator(_text_only)]
#: A timestamp with its UTC offset in a request ("2026-11-22T10:00:00+08:00").
TimestampIn = Annotated[AwareDatetime, BeforeValidator(_text_only)]


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


class RequestModel(SQLModel):
    """Base of every request body: unknown fields refused, text storable in any database."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_storable(cls, value: Any) -> Any:
        return _storable(value)
