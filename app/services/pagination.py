"""Opaque cursors: the caller passes back `next_cursor`; its content is ours to change.

A cursor is the base64url of a position: an id this API issued (`cus_…`) or a ledger entry
number. Its shape is checked strictly before it reaches a query, so a tampered cursor is a
422 naming `cursor`, never a database error.
"""

from __future__ import annotations

import base64
import binascii
import re

from app.domain.errors import InvalidInput

_ID = re.compile(r"[a-z]{1,10}_[0-9A-Z]{26}")
_NUMBER = re.compile(r"[1-9][0-9]{0,9}")
_INT32_MAX = 2**31 - 1


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def _refuse() -> InvalidInput:
    return InvalidInput.at("cursor", "not a cursor this API returned")


def _decode(cursor: str) -> str:
    if len(cursor) > 200:
        raise _refuse()
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _refuse() from None


def decode_cursor(cursor: str | None, prefix: str | None = None) -> str | None:
    """The id a cursor points after (of `prefix`, e.g. `cus`, when given)."""
    if not cursor:
        return None
    text = _decode(cursor)
    if not _ID.fullmatch(text) or (prefix is not None and not text.startswith(prefix + "_")):
        raise _refuse()
    return text


def decode_number_cursor(cursor: str | None) -> int | None:
    """The entry number a cursor points before (a positive 32-bit integer)."""
    if not cursor:
        return None
    text = _decode(cursor)
    if not _NUMBER.fullmatch(text) or int(text) > _INT32_MAX:
        raise _refuse()
    return int(text)
