"""CSV cells that spreadsheets open safely (CSV/formula injection, OWASP)."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(text: str) -> str:
    """Prefix a quote to text a spreadsheet would run as a formula; other text is unchanged."""
    return "'" + text if text.startswith(FORMULA_START) else text


def unescape_cell(text: str) -> str:
    """The text `escape_cell` was given: an export imports back as what was exported (an E.164
    phone `+86…` travels as `'+86…`)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text
