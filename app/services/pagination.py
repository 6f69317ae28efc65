"""Opaque cursors: the caller passes back `next_cursor`; its content is ours to change."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta

from app.domain.errors import InvalidInput

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput.at("cursor", "not a cursor this API returned") from None
    if not text or not text.isascii() or not text.replace("_", "").isalnum():
        raise InvalidInput.at("cursor", "not a cursor this API returned")
    return text


def sync_cursor(changed_at: datetime, row_id: str) -> str:
    """The position of a row in an `updated_since` list: its change time (µs) and id."""
    return encode_cursor(f"{(changed_at - _EPOCH) // _MICROSECOND}_{row_id}")


def decode_sync_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    text = decode_cursor(cursor)
    if text is None:
        return None
    micros, _, row_id = text.partition("_")
    if not micros.isdigit() or not row_id:
        raise InvalidInput.at("cursor", "not a cursor this API returned")
    return _EPOCH + int(micros) * _MICROSECOND, row_id
