"""Opaque cursors: the caller passes back `next_cursor`; its content is ours to change.

A cursor is the base64url of a position: an id this API issued (`cus_…`) or a ledger entry
number. Its shape is checked strictly before it reaches a query, so a tampered cursor is a
422 naming `cursor`, never a database error.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta

from app.domain.errors import InvalidInput

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

_ID = re.compile(r"[a-z]{1,10}_[0-9A-Z]{26}")
_NUMBER = re.compile(r"[1-9][0-9]{0,9}")
_INT32_MAX = 2**31 - 1
_SYNC = re.compile(r"([0-9]{1,20})_([a-z]{1,10}_[0-9A-Z]{26})")
#: Codes travel hex-encoded in cursors (store and service-type codes may hold `.` and `-`).
HEX_CODE = re.compile(r"(?:[0-9a-f]{2}){1,64}")


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


def decode_position(cursor: str | None, shape: re.Pattern[str]) -> str | None:
    """A cursor whose position has the given shape (a code, a hex-encoded code)."""
    if not cursor:
        return None
    text = _decode(cursor)
    if not shape.fullmatch(text):
        raise _refuse()
    return text


def sync_cursor(changed_at: datetime, row_id: str) -> str:
    """The position of a row in an `updated_since` list: its change time (µs) and id."""
    return encode_cursor(f"{(changed_at - _EPOCH) // _MICROSECOND}_{row_id}")


def decode_sync_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    """The (change time, id) an `updated_since` cursor points after."""
    if not cursor:
        return None
    found = _SYNC.fullmatch(_decode(cursor))
    if found is None:
        raise _refuse()
    try:
        return _EPOCH + int(found[1]) * _MICROSECOND, found[2]
    except OverflowError:
        raise _refuse() from None


def decode_number_cursor(cursor: str | None) -> int | None:
    """The entry number a cursor points before (a positive 32-bit integer)."""
    if not cursor:
        return None
    text = _decode(cursor)
    if not _NUMBER.fullmatch(text) or int(text) > _INT32_MAX:
        raise _refuse()
    return int(text)
