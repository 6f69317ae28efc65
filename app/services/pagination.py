"""Opaque cursors: the caller passes back `next_cursor`; its content is ours to change."""

from __future__ import annotations

import base64
import binascii

from app.domain.errors import InvalidInput


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
