"""CSV cells that spreadsheets open safely (CSV/formula injection, OWASP)."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(text: str) -> str:
    """Prefix a quote to text a spreadsheet would run as a formula; other text is unchanged."""
    return "'" + text if text.startswith(FORMULA_START) else text
