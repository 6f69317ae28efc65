"""Wire types: money, points and rates travel as decimal strings, never JSON numbers.

Pydantic would turn a JSON float into an inexact Decimal, so a number is refused with a
clear message; the JSON Schema says `type: string` with a pattern so generated clients
keep them as strings too.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema


def _parser(pattern: str, example: str) -> PlainValidator:
    compiled = re.compile(pattern)

    def parse(value: Any) -> Decimal:
        if isinstance(value, Decimal):
            return value
        if not isinstance(value, str):
            raise ValueError(f'must be a decimal string such as "{example}", not a JSON {type(value).__name__}')
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

#: A non-negative amount of money or points in a request, at most 2 places.
MoneyIn = Annotated[
    Decimal,
    _parser(MONEY_IN, "1000.00"),
    PlainSerializer(_money_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": f"^{MONEY_IN}$", "examples": ["1000.00"]}),
]
#: A signed amount of points in a request (adjustments).
SignedPointsIn = Annotated[
    Decimal,
    _parser(SIGNED_MONEY_IN, "-150.00"),
    PlainSerializer(_money_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": f"^{SIGNED_MONEY_IN}$", "examples": ["-150.00"]}),
]
#: A rate, margin, share or weight in a request, at most 4 places.
RateIn = Annotated[
    Decimal,
    _parser(RATE_IN, "0.35"),
    PlainSerializer(_rate_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": f"^{RATE_IN}$", "examples": ["0.35"]}),
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
